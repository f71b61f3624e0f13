import Foundation
import BundledFilters
import Logging
import NIOCore
import Relay
import RelayServer

/// The I/O engine integration tests run their servers on: `RELAY_IO_ENGINE` (`nio` or
/// `native`), the default engine when unset, so the whole suite runs against either engine
/// (`.ci/run` runs the integration suites on both).
enum TestEngine {
    static let current: IOEngine = ProcessInfo.processInfo.environment["RELAY_IO_ENGINE"].flatMap(IOEngine.init(rawValue:)) ?? .default
}

/// A Relay server started from YAML text for one test, on one event loop.
final class RunningRelay: Sendable {
    let server: RelayServer

    private init(server: RelayServer) {
        self.server = server
    }

    /// Starts a server from `yaml` (listeners and admin on port 0).
    static func start(yaml: String, registry: FilterRegistry = .bundled, concurrency: Int = 1) async throws -> RunningRelay {
        var logger = Logger(label: "relay-test")
        logger.logLevel = .critical
        let configuration = try ServerConfiguration.load(yaml: yaml, fileName: "test.yaml", registry: registry, logger: logger)
        let server = RelayServer(
            configuration: configuration,
            concurrency: concurrency,
            drainTime: .seconds(1),
            ioEngine: TestEngine.current,
            logger: logger
        )
        try await server.start()
        return RunningRelay(server: server)
    }

    /// The bound port of listener `name`.
    func port(_ name: String) -> Int {
        server.listenerAddresses[name]!.port!
    }

    /// A counter's value by its flat Envoy name (0 when it does not exist yet).
    func counter(_ name: String) -> UInt64 {
        server.stats.existingCounter(name)?.value ?? 0
    }

    /// A gauge's value by its flat Envoy name.
    func gauge(_ name: String) -> Int64 {
        server.stats.existingGauge(name)?.value ?? 0
    }

    func stop() async {
        await server.stop()
    }
}

/// Whether the bundled registry has a factory (for tests that need a filter from a module
/// merged separately).
func bundledHas(_ name: String, _ category: FilterRegistry.Category = .networkFilter) -> Bool {
    FilterRegistry.bundled.lookup(category, name: name, typeURL: nil) != nil
}
