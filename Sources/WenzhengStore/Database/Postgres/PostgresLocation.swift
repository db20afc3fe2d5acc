import Foundation

/// Where a PostgreSQL database is, from a `postgres://` URL
/// (`wenzheng serve --database`, `WENZHENG_DATABASE_URL`):
///
///     postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&host=/run/postgresql]
///
/// A password may also come from the environment (`PGPASSWORD`), which
/// keeps it out of the process list. `host=` in the query names a Unix
/// socket directory, as libpq's URLs do.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (a loopback or private network).
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's default).
        case prefer
        /// TLS or no connection.
        case require
    }

    public var host: String
    public var port: Int
    /// A Unix socket directory; when set, `host` and `port` only name the
    /// socket file (`.s.PGSQL.PORT`).
    public var socketDirectory: String?
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(
        host: String, port: Int = 5432, socketDirectory: String? = nil, username: String, password: String? = nil,
        database: String, tls: TLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.socketDirectory = socketDirectory
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Why a URL is not a PostgreSQL location, in one line for the operator.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "invalid PostgreSQL URL: \(reason)" }
    }

    /// Parses a `postgres://` or `postgresql://` URL.
    public init(url text: String, environment: [String: String] = [:]) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw Invalid(reason: "expected postgres://USER@HOST[:PORT]/DATABASE")
        }
        let query = components.queryItems ?? []
        var socketDirectory: String?
        var tls = TLSMode.prefer
        for item in query {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw Invalid(reason: "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "host":
                guard let value = item.value, value.hasPrefix("/") else {
                    throw Invalid(reason: "host= in the query must be a Unix socket directory (an absolute path)")
                }
                socketDirectory = value
            default:
                throw Invalid(reason: "unknown parameter \(item.name.debugDescription) (known: sslmode, host)")
            }
        }
        let host = components.host ?? ""
        guard !host.isEmpty || socketDirectory != nil else { throw Invalid(reason: "no host") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(reason: "no user (postgres://USER@HOST/DATABASE)") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(reason: "no database name (postgres://USER@HOST/DATABASE)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw Invalid(reason: "port \(port) is out of range")
        }
        self.init(
            host: host.isEmpty ? "localhost" : host, port: components.port ?? 5432, socketDirectory: socketDirectory,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 } ?? environment["PGPASSWORD"],
            database: database.removingPercentEncoding ?? database, tls: tls)
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        var text = "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        var query: [String] = []
        if tls != .prefer { query.append("sslmode=\(tls.rawValue)") }
        if let socketDirectory { query.append("host=\(socketDirectory)") }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    /// The same server, another database (tests and `migrate-to-postgres`
    /// create databases through the `postgres` one).
    public func database(_ name: String) -> PostgresLocation {
        var copy = self
        copy.database = name
        return copy
    }
}

/// Which backend holds the data: the embedded SQLite file (the default) or
/// a PostgreSQL database shared by several server nodes.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqliteFile(path: String)
    case postgres(PostgresLocation)

    public var description: String {
        switch self {
        case .sqliteFile(let path): "SQLite file \(path)"
        case .postgres(let location): "PostgreSQL \(location)"
        }
    }
}
