// swift-tools-version:6.2
import PackageDescription

// Upcoming features the Hummingbird packages also use: explicit `any`,
// imports that must be stated where members are used.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "wenzheng",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wenzheng", targets: ["wenzheng"]),
        .executable(name: "wenzheng-benchmarks", targets: ["wenzheng-benchmarks"]),
    ],
    dependencies: [
        // `traits: []` keeps swift-configuration out of the build: we read
        // configuration through swift-argument-parser and the environment.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // hummingbird-websocket's WebSocket core. Our upgrade channel
        // (Server/Live/LiveServerChannel) serves staff sockets with its
        // handler through the same SPI hummingbird-websocket uses.
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Already in the graph through hummingbird-auth; used directly for
        // SHA-256 of session tokens.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Streaming multipart/form-data parsing for attachments (Vapor's
        // parser; its only dependencies, swift-nio and swift-collections,
        // are already in the graph).
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // The SMTP client of the outbox's notifier (Server/Notifications):
        // swift-nio is Hummingbird's own; swift-nio-ssl, already in the graph
        // through hummingbird-websocket, gives it STARTTLS and smtps.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The HTTP/1 ↔ HTTP types codec of the upgrade channel (Hummingbird's own).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // `GET /metrics` in the Prometheus text format (Server/Metrics): its
        // collector registry and exposition writer, used directly rather
        // than through swift-metrics' global bootstrap, so each application
        // (and each test) has its own registry.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The PostgreSQL backend (`--database postgres://…`, issue 16): every
        // store's second implementation, LISTEN/NOTIFY between server nodes.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "WenzhengCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WenzhengStore",
            dependencies: [
                "WenzhengCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WenzhengServer",
            dependencies: [
                "WenzhengCore",
                "WenzhengStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wenzheng",
            dependencies: [
                "WenzhengCore",
                "WenzhengStore",
                "WenzhengServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks print their figures; results go to docs/benchmarks.md.
        // Run them in release mode: `swift run -c release wenzheng-benchmarks`.
        .executableTarget(
            name: "wenzheng-benchmarks",
            dependencies: [
                "WenzhengCore",
                "WenzhengStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/Sources/wenzheng-benchmarks",
            swiftSettings: swiftSettings
        ),
        // Fixtures several test targets share.
        .target(
            name: "WenzhengTestFixtures",
            dependencies: ["WenzhengCore"],
            path: "Tests/Fixtures",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WenzhengCoreTests",
            dependencies: ["WenzhengCore", "WenzhengTestFixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WenzhengStoreTests",
            dependencies: [
                "WenzhengStore", "WenzhengCore", "WenzhengTestFixtures", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WenzhengServerTests",
            dependencies: [
                "WenzhengServer",
                "WenzhengStore",
                "WenzhengCore",
                "WenzhengTestFixtures",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                // The fake mail server of the notifier's tests.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "wenzhengTests",
            // Depending on the executable makes `swift test` build it; the
            // tests run it as a separate process, as an operator would.
            dependencies: ["wenzheng", "WenzhengStore", "WenzhengTestFixtures", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
    ]
)
