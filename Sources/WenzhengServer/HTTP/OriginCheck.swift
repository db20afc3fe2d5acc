import Foundation
import HTTPTypes
import Hummingbird

/// The one rule for where a browser request may come from. A browser
/// always sends its page's http(s) origin: that must be this host. Other
/// clients (libwebsockets, scripts) send none, or a ws: origin, and carry
/// no victim's cookies. A sandboxed page's "null" origin is refused.
enum OriginCheck {
    static func refuseCrossSite(_ request: Request) throws {
        let host = request.head.authority ?? ""
        for origin in request.headers[values: .origin] {
            let url = URL(string: origin)
            switch url?.scheme?.lowercased() {
            case "http", "https":
                let originHost = url?.host.map { name in url?.port.map { "\(name):\($0)" } ?? name }
                if originHost != host {
                    throw Problem(kind: .csrfFailed, detail: "cross-site request refused (Origin \(origin) does not match \(host))")
                }
            case "ws", "wss":
                continue
            default:
                throw Problem(kind: .csrfFailed, detail: "request from origin \(origin) refused")
            }
        }
    }
}
