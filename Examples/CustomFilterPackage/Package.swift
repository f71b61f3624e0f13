// swift-tools-version:6.0
//
// A filter author's own package, written from Examples/ExampleProxy/README.md (the guide) and
// nothing else: it depends on Relay by path, as a user's package would, registers two custom
// filters beside the bundled ones, runs them in a proxy, and tests them with RelayTestKit and
// on real sockets. `.ci/run` builds and tests it after Relay's own suite.
import PackageDescription

let package = Package(
    name: "CustomFilterPackage",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "custom-proxy", targets: ["CustomProxy"]),
    ],
    dependencies: [
        // `name:` fixes the identity used in `.product(…, package: "Relay")` below, whatever
        // the folder Relay was cloned into is called.
        .package(name: "Relay", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // The filters: only the framework and NIOCore.
        .target(name: "CustomFilters", dependencies: [
            .product(name: "Relay", package: "Relay"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // The program: the server, the bundled filters and ours.
        .executableTarget(name: "CustomProxy", dependencies: [
            "CustomFilters",
            .product(name: "Relay", package: "Relay"),
            .product(name: "RelayServer", package: "Relay"),
            .product(name: "BundledFilters", package: "Relay"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The tests: the test kit and the real tcp_proxy (harness), the real server (sockets).
        .testTarget(name: "CustomFiltersTests", dependencies: [
            "CustomFilters",
            .product(name: "Relay", package: "Relay"),
            .product(name: "RelayTestKit", package: "Relay"),
            .product(name: "TCPProxy", package: "Relay"),
            .product(name: "RelayServer", package: "Relay"),
            .product(name: "BundledFilters", package: "Relay"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
