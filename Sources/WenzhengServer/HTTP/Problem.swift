import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore

/// An RFC 9457 problem: the one shape every API error takes. `type` is
/// stable and documented in the OpenAPI document; `title` is for people.
public struct Problem: Error, Sendable, Encodable, HTTPResponseError {
    public var type: String
    public var title: String
    public var statusCode: Int
    public var detail: String?
    /// Field-level errors for a rejected input.
    public var errors: [FieldError]?
    /// For an answer or comment outside its window: when it opens and
    /// closes (ISO 8601), so a client can say when to come back.
    public var window: ParticipationWindow?
    /// Extra headers (Retry-After, WWW-Authenticate…), not encoded.
    public var headers: HTTPFields = [:]

    public var status: HTTPResponse.Status { .init(code: statusCode) }

    enum CodingKeys: String, CodingKey {
        case type, title, statusCode = "status", detail, errors, window
    }

    public init(kind: Kind, detail: String? = nil, errors: [FieldError]? = nil, headers: HTTPFields = [:]) {
        self.type = kind.typeURI
        self.title = kind.title
        self.statusCode = kind.status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// The kinds of problem the API reports, each with its stable `type`.
    public enum Kind: String, Sendable, CaseIterable {
        case badRequest = "bad-request"
        case malformedJSON = "malformed-json"
        case validationFailed = "validation-failed"
        case unauthenticated = "unauthenticated"
        case invalidCredentials = "invalid-credentials"
        case forbidden = "forbidden"
        case csrfFailed = "csrf-failed"
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case conflict = "conflict"
        case idempotencyKeyReused = "idempotency-key-reused"
        case outsideWindow = "outside-window"
        case alreadyAnswered = "already-answered"
        /// A survey's invitation code that is not one of its codes.
        case invitationNotRecognised = "invitation-not-recognised"
        /// Published once, withdrawn by the office since (410).
        case withdrawn = "withdrawn"
        case payloadTooLarge = "payload-too-large"
        case unsupportedMediaType = "unsupported-media-type"
        /// A plain request to a WebSocket address (426).
        case upgradeRequired = "upgrade-required"
        case tooManyRequests = "too-many-requests"
        case serviceUnavailable = "service-unavailable"
        case internalError = "internal-error"

        /// A URN rather than a URL: the identifier must stay stable for as
        /// long as clients exist, whatever host the office deploys on.
        public var typeURI: String { "urn:wenzheng:problem:\(rawValue)" }

        public var status: Int {
            switch self {
            case .badRequest, .malformedJSON: 400
            case .unauthenticated, .invalidCredentials: 401
            case .forbidden, .csrfFailed, .invitationNotRecognised: 403
            case .notFound: 404
            case .methodNotAllowed: 405
            case .conflict, .idempotencyKeyReused, .outsideWindow, .alreadyAnswered: 409
            case .withdrawn: 410
            case .payloadTooLarge: 413
            case .unsupportedMediaType: 415
            case .upgradeRequired: 426
            case .validationFailed: 422
            case .tooManyRequests: 429
            case .serviceUnavailable: 503
            case .internalError: 500
            }
        }

        public var title: String {
            switch self {
            case .badRequest: "Bad request"
            case .malformedJSON: "Malformed JSON"
            case .validationFailed: "Validation failed"
            case .unauthenticated: "Sign-in required"
            case .invalidCredentials: "Wrong username or password"
            case .forbidden: "Not allowed for your role"
            case .csrfFailed: "Missing or wrong CSRF token"
            case .notFound: "Not found"
            case .methodNotAllowed: "Method not allowed"
            case .conflict: "Conflict"
            case .idempotencyKeyReused: "Idempotency key already used for a different letter"
            case .outsideWindow: "Not open now"
            case .alreadyAnswered: "Already answered"
            case .invitationNotRecognised: "Invitation code not recognised"
            case .withdrawn: "Withdrawn from publication"
            case .payloadTooLarge: "Request body too large"
            case .unsupportedMediaType: "Unsupported media type"
            case .upgradeRequired: "WebSocket upgrade required"
            case .tooManyRequests: "Too many requests"
            case .serviceUnavailable: "Service unavailable"
            case .internalError: "Internal server error"
            }
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(self)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: .init(bytes: data)))
    }
}

extension Problem {
    public static func validation(_ failure: ValidationFailure) -> Problem {
        Problem(
            kind: .validationFailed,
            detail: failure.errors.map(\.message).joined(separator: "; "),
            errors: failure.errors)
    }

    public static func validation(_ error: FieldError) -> Problem {
        validation(ValidationFailure([error]))
    }
}
