import BundledFilters
import CustomFilters
import Logging
import Relay
import RelayServer
import ServiceLifecycle

/// A proxy with the bundled filters plus `custom.uppercase` and `custom.line_router`,
/// configured from a YAML bootstrap, run as a service: SIGTERM or SIGINT starts Envoy's
/// graceful drain (at most 30 s here, over as soon as no connection is open), then it stops.
///
///     swift run --package-path Examples/CustomFilterPackage custom-proxy Examples/CustomFilterPackage/custom-proxy.yaml
@main
struct CustomProxy {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            print("usage: custom-proxy <bootstrap.yaml>")
            return
        }
        var registry = FilterRegistry.bundled
        registry.register(UppercaseFilter.Factory())
        registry.register(LineRouterFilter.Factory())

        let logger = Logger(label: "custom-proxy")
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(path: arguments[1], registry: registry, logger: logger)
        } catch {
            print(error)                                // file:line:col: error: …
            return
        }
        let server = RelayServer(configuration: configuration, drainTime: .seconds(30), logger: logger)
        let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await services.run()
    }
}
