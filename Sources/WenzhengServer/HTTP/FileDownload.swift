import Foundation
import HTTPTypes
import Hummingbird

/// A file the browser saves rather than shows: an attendee list, a
/// calendar entry. Not cached (it may hold personal data, or change).
struct FileDownload: Sendable {
    var data: Data
    var contentType: String
    var filename: String

    var response: Response {
        Response(
            status: .ok,
            headers: [
                .contentType: contentType, .contentDisposition: "attachment; filename=\"\(filename)\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(bytes: data)))
    }

    /// The host name of a request's authority (`Host`), without its port;
    /// an IPv6 literal keeps its brackets' content. Calendar UIDs use it.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "")
    }
}
