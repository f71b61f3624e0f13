import BundledFilters
import ExampleFilters
import Logging
import Relay
import RelayServer

/// A program that embeds Relay: the bundled filters plus two of its own
/// (`example.connection_limit` and `example.prefix_router`), configured from a YAML bootstrap.
///
///     swift run example-proxy Examples/ExampleProxy/example-proxy.yaml
@main
struct ExampleProxy {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            print("usage: example-proxy <bootstrap.yaml>")
            return
        }
        var registry = FilterRegistry.bundled
        registry.register(ConnectionLimitFilter.Factory())
        registry.register(PrefixRouterFilter.Factory())

        let logger = Logger(label: "example-proxy")
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(path: arguments[1], registry: registry, logger: logger)
        } catch {
            print(error)
            return
        }
        let server = RelayServer(configuration: configuration, logger: logger)
        try await server.start()
        for (name, address) in server.listenerAddresses.sorted(by: { $0.key < $1.key }) {
            print("listener \(name) on \(address)")
        }
        if let admin = server.adminAddress { print("admin on \(admin)") }
        await server.waitUntilShutdownRequested()
        await server.stop()
    }
}
