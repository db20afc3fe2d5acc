import Foundation

/// What a committed change to an interview tells every server node that
/// shares the database (PostgreSQL `NOTIFY`, sent inside the change's own
/// transaction, so it is delivered if and only if the change commits). A
/// node with viewers of the interview reads what it has not yet sent from
/// the database (`transcriptEvents(since:)`, the question list); the notice
/// itself carries no text, so its size never nears NOTIFY's 8000-byte limit
/// and nothing leaves the database that a viewer may not see.
public struct InterviewChangeNotice: Sendable, Equatable {
    public static let channel = "wenzheng_interview_changes"

    public var interviewID: Int64
    /// The highest transcript `seq` the change wrote, if it wrote events.
    public var seq: Int64?
    /// The public question list changed (a vote, an approval, a question
    /// put on air).
    public var questionsChanged: Bool

    public init(interviewID: Int64, seq: Int64?, questionsChanged: Bool) {
        self.interviewID = interviewID
        self.seq = seq
        self.questionsChanged = questionsChanged
    }

    /// `i=12;s=345;q=1` (`s=-` without events).
    public var payload: String {
        "i=\(interviewID);s=\(seq.map(String.init) ?? "-");q=\(questionsChanged ? 1 : 0)"
    }

    /// Parses a payload; nil for anything else on the channel.
    public init?(payload: String) {
        var fields: [Substring: Substring] = [:]
        for part in payload.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            fields[pair[0]] = pair[1]
        }
        guard fields.count == 3, let id = fields["i"].flatMap({ Int64($0) }), id > 0, let s = fields["s"], let q = fields["q"],
            q == "0" || q == "1"
        else { return nil }
        if s == "-" {
            seq = nil
        } else {
            guard let value = Int64(s), value > 0 else { return nil }
            seq = value
        }
        interviewID = id
        questionsChanged = q == "1"
    }
}
