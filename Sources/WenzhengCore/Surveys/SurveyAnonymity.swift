import Foundation

/// Computes HMAC-SHA256. WenzhengCore has no cryptography of its own and
/// implements none: the server implements this with swift-crypto's
/// `HMAC<SHA256>`, and tests use a fake.
public protocol DuplicateKeyHasher: Sendable {
    /// HMAC-SHA256 of `message` under `key`: 32 bytes.
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8]
}

/// A survey's secret for the duplicate check: random bytes made when the
/// survey opens, kept only while it is open, and destroyed (the column set
/// to NULL and the page overwritten by `secure_delete`) when it closes.
/// Without it, the stored keys cannot be recomputed from a browser token
/// or an invitation token, so nothing links a response to a person.
public struct SurveySecret: Sendable, Equatable, CustomStringConvertible {
    /// HMAC-SHA256 keys shorter than its output add nothing but weakness.
    public static let byteCount = 32

    public let bytes: [UInt8]

    /// nil unless exactly `byteCount` bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A new secret from the system's cryptographically secure generator
    /// (`SystemRandomNumberGenerator`: getrandom(2) on Linux).
    public static func random() -> SurveySecret {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> SurveySecret {
        SurveySecret(bytes: (0..<byteCount).map { _ in generator.next() })!
    }

    /// Never the bytes: a secret must not reach a log by accident.
    public var description: String { "SurveySecret(redacted)" }
}

/// Who is answering, as far as the duplicate check needs to know.
public enum RespondentIdentity: Sendable, Hashable {
    /// The random token an open survey keeps in the browser's cookie.
    case browserToken(String)
    /// A single-use invitation token (`SurveyInvitationTokens`).
    case invitationToken(String)

    var domain: String {
        switch self {
        case .browserToken: "browser"
        case .invitationToken: "invitation"
        }
    }

    var token: String {
        switch self {
        case .browserToken(let token), .invitationToken(let token): token
        }
    }
}

/// How anonymous surveys keep answers unlinked from the people who gave
/// them (the issue's bar: "after deduplication nothing links a response to
/// an IP or a token"). The rules the storage and HTTP layers follow:
///
/// 1. **Duplicate check by keyed hash only.** A response is refused when
///    `duplicateKey(for:secret:hasher:)` of its browser or invitation
///    token is already stored. The key is kept in its own table
///    (survey, key), with no reference to the response and no time; the
///    response row holds neither the token, nor the key, nor the address.
/// 2. **The secret dies with the window.** `SurveySecret` is destroyed when
///    the survey closes; the keys then cannot be recomputed from a token,
///    even by someone holding a citizen's cookie and the database.
/// 3. **Day, not time.** A response stores `submissionDay(_:)`, the
///    office's date, not the instant, so it cannot be matched with the
///    access log's timestamps.
/// 4. **No arrival order.** Rows must not reveal the order in which
///    responses came, which could be joined with the access log's order:
///    no autoincrement or rowid order, no sequence numbers, no
///    insertion-ordered keys. Store anonymous responses in a `WITHOUT
///    ROWID` table keyed by `responseID()` (random, so the B-tree order is
///    random), and sort exports by (day, id). The same holds for the
///    tally's counter rows, which carry only counts.
/// 5. **Address for rate limiting only.** The per-address limit of the
///    open mode is kept in memory (`RateLimitPolicy`), never in a row.
///
/// Surveys that are not anonymous keep the exact time as well, and in the
/// invitation mode which invitation answered (so staff can remind those
/// who have not); they never keep the address either.
public enum SurveyAnonymity {
    /// Domain separation: a key computed here can never equal an HMAC the
    /// same secret might produce for another purpose.
    static let keyContext = "wenzheng/survey-duplicate/v1"

    /// The keyed hash stored for the duplicate check: lowercase hex of
    /// HMAC-SHA256(secret, context ‖ 0 ‖ kind ‖ 0 ‖ token).
    public static func duplicateKey(for identity: RespondentIdentity, secret: SurveySecret, hasher: some DuplicateKeyHasher) -> String {
        var message = Array(keyContext.utf8)
        message.append(0)
        message += Array(identity.domain.utf8)
        message.append(0)
        message += Array(identity.token.utf8)
        return hex(hasher.hmacSHA256(key: secret.bytes, message: message))
    }

    /// The office's date of a submission: all an anonymous response keeps
    /// of its time (Beijing time, `CivilDate.officeTimeZone`).
    public static func submissionDay(_ instant: Date) -> CivilDate {
        CivilDate(instant, in: CivilDate.officeTimeZone)
    }

    /// A random identifier for a stored response (128 bits, 32 lowercase
    /// hex digits): the key of the response table, whose order therefore
    /// says nothing about arrival.
    public static func responseID(using generator: inout some RandomNumberGenerator) -> String {
        hex((0..<16).map { _ in generator.next() })
    }

    public static func responseID() -> String {
        var generator = SystemRandomNumberGenerator()
        return responseID(using: &generator)
    }

    /// What a stored response may keep, by survey.
    public struct RecordingPolicy: Sendable, Equatable {
        /// The instant of submission (otherwise only the day).
        public var keepsSubmissionTime: Bool
        /// Which invitation token answered (otherwise nothing about it).
        public var keepsInvitation: Bool
        /// The client's address: never, in any survey.
        public var keepsAddress: Bool { false }
        /// The browser token: never; the duplicate key is enough.
        public var keepsBrowserToken: Bool { false }
    }

    public static func recordingPolicy(for definition: SurveyDefinition) -> RecordingPolicy {
        RecordingPolicy(
            keepsSubmissionTime: !definition.isAnonymous,
            keepsInvitation: !definition.isAnonymous && definition.mode == .invitation)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// Single-use invitation tokens for closed samples (`wenzheng survey tokens
/// ID --count N`), printed on letters or sent by message, so they are made
/// to be typed: 16 characters of Crockford's base32 (80 random bits) in
/// four groups, `7K3M-Q9TX-2HD4-WZ8B`. Letters that look alike are read
/// as the same (`O` as `0`, `I` and `L` as `1`) and case, spaces and
/// dashes do not matter.
///
/// Storage keeps a SHA-256 of the normalized token (as it does for session
/// tokens), marks it used in the transaction that stores the response, and
/// in an anonymous survey records nothing else about its use.
public enum SurveyInvitationTokens {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    public static let length = 16
    /// `wenzheng survey tokens --count` at most this many at once.
    public static let maxCountPerBatch = 10_000

    public static func generate(count: Int, using generator: inout some RandomNumberGenerator) -> [String] {
        (0..<count).map { _ in
            let symbols = (0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] }
            let groups = stride(from: 0, to: length, by: 4).map { String(decoding: symbols[$0..<$0 + 4], as: UTF8.self) }
            return groups.joined(separator: "-")
        }
    }

    public static func generate(count: Int) -> [String] {
        var generator = SystemRandomNumberGenerator()
        return generate(count: count, using: &generator)
    }

    /// The canonical form of a typed token (16 symbols, no dashes), or nil
    /// when it cannot be one.
    public static func normalized(_ typed: String) -> String? {
        var symbols: [UInt8] = []
        for scalar in typed.unicodeScalars {
            switch scalar {
            case " ", "-", "\u{3000}", "\t": continue
            default: break
            }
            guard scalar.isASCII else { return nil }
            var byte = UInt8(scalar.value)
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) { byte -= 0x20 }
            switch byte {
            case UInt8(ascii: "O"): byte = UInt8(ascii: "0")
            case UInt8(ascii: "I"), UInt8(ascii: "L"): byte = UInt8(ascii: "1")
            default: break
            }
            guard alphabet.contains(byte) else { return nil }
            symbols.append(byte)
        }
        return symbols.count == length ? String(decoding: symbols, as: UTF8.self) : nil
    }
}
