import Hummingbird
import HummingbirdWebSocket
import WenzhengCore
import WenzhengStore

/// The moderators' live socket: every change to the queue as it happens
/// (docs/live-protocol.md, "Moderators"). Closed when the session ends.
struct ModerationLiveController {
    typealias Context = AppRequestContext
    let actions: ModerationActions

    func addRoutes(to router: Router<Context>) {
        let hub = actions.channel.hub
        let database = actions.database
        let clock = actions.clock
        router.group("/live/moderation")
            .add(middleware: RequireRoleMiddleware(ModerationActions.moderators))
            .staffSocket(shouldUpgrade: { request, _ in
                try LiveSocket.checkOrigin(request)
            }) { inbound, outbound, context in
                let channel = context.requestContext.channel
                let subscription = hub.moderation.subscribe(onOverflow: LiveSocket.closeAfterGrace(channel))
                try await LiveSocket.stream(
                    subscription, from: hub.moderation, to: outbound, inbound: inbound,
                    stillAuthorized: LiveSocket.sessionCheck(context.request, database: database, clock: clock))
            }
    }
}
