/// What a server node hears of interview changes made by any node sharing
/// its database (`AppDatabase.interviewChanges()`): the changes as they
/// commit, and, whenever the node may have missed some (it has just
/// started listening, or listens again after losing its connection),
/// `resync`: every room must catch up from the database.
public enum InterviewChangeFeedEvent: Sendable, Equatable {
    case notice(InterviewChangeNotice)
    case resync
}
