// swift-tools-version:6.0
//
// Relay: an Envoy-style L4 proxy framework. Dependencies point one way (← = "is imported by"):
//
//   RelayValues (no dependencies: protobuf Duration text, MetadataValue, JSON escaping, hex)
//     ├─ Relay        (+ NIOCore, Logging)  the filter API; re-exports RelayValues
//     └─ RelayConfig  (+ CLibYAML)          YAML → typed config; re-exports RelayValues
//   Relay ← Filters/TCPProxy, Filters/HTTPInspector, Filters/TLS (+ COpenSSL), Filters/IstioPeer
//   IstioPeer ← Filters/MetadataExchange (+ SwiftProtobuf), Filters/TCPStats
//   every filter ← Filters/BundledFilters
//   Relay + RelayConfig ← RelayTestKit, RelayServer (+ NIOPosix, NIOHTTP1)
//   RelayIO (+ NIOCore, CRelayIO) ← RelayServer   the native I/O engine: event loops, sockets
//   RelayServer + BundledFilters ← relay, ExampleProxy
// Filters never import each other, except the two Istio filters sharing IstioPeer (not a filter).
import PackageDescription

let nio = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioEmbedded = Target.Dependency.product(name: "NIOEmbedded", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let protobuf = Target.Dependency.product(name: "SwiftProtobuf", package: "swift-protobuf")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Relay",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Relay", targets: ["Relay"]),
        .library(name: "RelayValues", targets: ["RelayValues"]),
        .library(name: "RelayConfig", targets: ["RelayConfig"]),
        .library(name: "RelayServer", targets: ["RelayServer"]),
        .library(name: "RelayIO", targets: ["RelayIO"]),
        .library(name: "RelayTestKit", targets: ["RelayTestKit"]),
        .library(name: "BundledFilters", targets: ["BundledFilters"]),
        .library(name: "TCPProxy", targets: ["TCPProxy"]),
        .library(name: "IstioPeer", targets: ["IstioPeer"]),
        .executable(name: "relay", targets: ["relay"]),
        .executable(name: "example-proxy", targets: ["ExampleProxy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // MARK: - C system libraries
        .systemLibrary(
            name: "CLibYAML",
            path: "Sources/CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),

        // Linux system calls Swift's Glibc module does not export (epoll, eventfd, accept4).
        .target(name: "CRelayIO", path: "Sources/CRelayIO"),

        // MARK: - Framework
        // The value types everything shares (protobuf Duration text, JSON string escaping, hex):
        // no NIO, no C.
        .target(name: "RelayValues", swiftSettings: swiftSettings),
        .target(name: "Relay", dependencies: ["RelayValues", nio, logging], swiftSettings: swiftSettings),
        .target(name: "RelayConfig", dependencies: ["RelayValues", "CLibYAML"], swiftSettings: swiftSettings),
        // Relay's own edge-triggered event loops and sockets (the `native` I/O engine).
        .target(
            name: "RelayIO",
            dependencies: ["CRelayIO", nio, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(name: "RelayTestKit", dependencies: ["Relay", "RelayConfig", nio, nioEmbedded, logging], swiftSettings: swiftSettings),
        .target(
            name: "RelayServer",
            dependencies: ["Relay", "RelayConfig", "RelayValues", "RelayIO", nio, nioPosix, nioHTTP1, logging, serviceLifecycle],
            swiftSettings: swiftSettings
        ),

        // MARK: - Bundled filters (each its own module; none imports another, the two Istio filters
        // share IstioPeer)
        .target(
            name: "IstioPeer",
            dependencies: ["Relay"],
            path: "Filters/IstioPeer",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TCPProxy",
            dependencies: ["Relay", nio, logging],
            path: "Filters/TCPProxy",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TLS",
            dependencies: ["Relay", "RelayValues", "COpenSSL", nio],
            path: "Filters/TLS",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MetadataExchange",
            dependencies: ["Relay", "IstioPeer", nio, protobuf, logging],
            path: "Filters/MetadataExchange",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TCPStats",
            dependencies: ["Relay", "RelayValues", "IstioPeer", nio],
            path: "Filters/TCPStats",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPInspector",
            dependencies: ["Relay", nio],
            path: "Filters/HTTPInspector",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BundledFilters",
            dependencies: ["Relay", "TCPProxy", "TLS", "MetadataExchange", "TCPStats", "HTTPInspector"],
            path: "Filters/BundledFilters",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Executables
        .executableTarget(
            name: "relay",
            dependencies: ["Relay", "RelayConfig", "RelayServer", "RelayValues", "BundledFilters", argumentParser, logging],
            swiftSettings: swiftSettings
        ),

        // MARK: - Examples
        .target(
            name: "ExampleFilters",
            dependencies: ["Relay", nio],
            path: "Examples/ExampleProxy/ExampleFilters",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ExampleProxy",
            dependencies: ["Relay", "RelayConfig", "RelayServer", "BundledFilters", "ExampleFilters", logging],
            path: "Examples/ExampleProxy/Sources",
            swiftSettings: swiftSettings
        ),

        // MARK: - Fuzzing (Tests/Fuzz/run.sh <target> builds these with -D FUZZING -sanitize=fuzzer,address;
        // a plain build makes corpus-replay tools; FuzzSupport is the libFuzzer/replay glue they share)
        .target(name: "FuzzSupport", path: "Tests/Fuzz/FuzzSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzBootstrapLoader",
            dependencies: ["FuzzSupport", "Relay", "RelayConfig", "RelayServer", "BundledFilters", logging],
            path: "Tests/Fuzz/FuzzBootstrapLoader",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzClientHello",
            dependencies: ["FuzzSupport", "TLS", nio],
            path: "Tests/Fuzz/FuzzClientHello",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzMetadataExchange",
            dependencies: ["FuzzSupport", "MetadataExchange", nio],
            path: "Tests/Fuzz/FuzzMetadataExchange",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzAdmin",
            dependencies: ["FuzzSupport", "Relay", "RelayServer", nio, nioEmbedded, nioHTTP1],
            path: "Tests/Fuzz/FuzzAdmin",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        // Child processes for test helpers (posix_spawn; see ChildProcess.swift).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "RelayIOTests", dependencies: ["RelayIO", nio], swiftSettings: swiftSettings),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "RelayTestKit", nio, logging], swiftSettings: swiftSettings),
        .testTarget(
            name: "RelayConfigTests",
            dependencies: ["RelayConfig"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RelayServerTests",
            dependencies: ["RelayServer", "Relay", "RelayConfig", nio, nioPosix, nioEmbedded, logging],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TCPProxyTests",
            dependencies: ["TCPProxy", "Relay", "RelayTestKit", nio],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TLSTests",
            dependencies: ["TLS", "Relay", "RelayTestKit", "TestSupport", nio],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MetadataExchangeTests",
            dependencies: ["MetadataExchange", "IstioPeer", "Relay", "RelayTestKit", nio, nioEmbedded, logging, protobuf],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPInspectorTests",
            dependencies: ["HTTPInspector", "Relay", nio, nioEmbedded],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TCPStatsTests",
            dependencies: ["TCPStats", "IstioPeer", "Relay", "RelayTestKit", "TestSupport", nio, logging],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["RelayServer", "RelayConfig", "Relay", "BundledFilters", "ExampleFilters", "COpenSSL", "TestSupport", nio, nioPosix, serviceLifecycle],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExampleFiltersTests",
            dependencies: ["ExampleFilters", "Relay", "RelayTestKit", "TCPProxy", nio],
            path: "Examples/ExampleProxy/Tests",
            swiftSettings: swiftSettings
        ),
    ]
)
