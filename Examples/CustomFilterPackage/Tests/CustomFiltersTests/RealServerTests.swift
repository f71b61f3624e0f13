import BundledFilters
import CustomFilters
import Logging
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// The same filters through the real server on real sockets: two echo backends, listeners on
/// port 0, bytes in, bytes back.
@Suite(.timeLimit(.minutes(1)))
struct RealServerTests {
    static func yaml(alpha: Int, beta: Int) -> String {
        """
        static_resources:
          listeners:
          - name: shouting
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: custom.uppercase
                typed_config:
                  "@type": type.googleapis.com/custom.Uppercase
                  stat_prefix: shout
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: shouting
                  cluster: alpha
          - name: routing
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: custom.line_router
                typed_config:
                  "@type": type.googleapis.com/custom.LineRouter
                  stat_prefix: lines
                  routes:
                  - { name: alpha, cluster: alpha }
                  - { name: beta, cluster: beta }
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: routing
                  cluster: alpha
          clusters:
          - name: alpha
            connect_timeout: 5s
            load_assignment:
              cluster_name: alpha
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(alpha) } } }
          - name: beta
            connect_timeout: 5s
            load_assignment:
              cluster_name: beta
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(beta) } } }
        """
    }

    /// Two echo servers and a started RelayServer with the custom filters registered.
    struct Setup {
        let alpha: EchoServer
        let beta: EchoServer
        let server: RelayServer

        static func start() async throws -> Setup {
            let alpha = try await EchoServer.start()
            let beta = try await EchoServer.start()
            var registry = FilterRegistry.bundled
            registry.register(UppercaseFilter.Factory())
            registry.register(LineRouterFilter.Factory())
            var logger = Logger(label: "custom-filter-tests")
            logger.logLevel = .warning
            let configuration = try ServerConfiguration.load(
                yaml: RealServerTests.yaml(alpha: alpha.port, beta: beta.port),
                registry: registry,
                logger: logger
            )
            let server = RelayServer(configuration: configuration, concurrency: 1, logger: logger)
            try await server.start()
            return Setup(alpha: alpha, beta: beta, server: server)
        }

        func port(_ listener: String) -> Int { server.listenerAddresses[listener]!.port! }
        func counter(_ name: String) -> UInt64 { server.stats.existingCounter(name)?.value ?? 0 }

        func stop() async {
            await server.stop()
            await alpha.stop()
            await beta.stop()
        }
    }

    @Test func bytesAreUpperCasedBothWays() async throws {
        let setup = try await Setup.start()
        #expect(try await exchange("hello, relay", port: setup.port("shouting")) == "HELLO, RELAY")
        #expect(setup.counter("uppercase.shout.read_bytes_changed") == 10)
        #expect(setup.counter("cluster.alpha.upstream_cx_total") == 1)
        await setup.stop()
    }

    @Test func theFirstLineRoutesAndAFINDuringTheConnectIsNotStranded() async throws {
        let setup = try await Setup.start()
        // Line, bytes and FIN in one go: the FIN arrives while tcp_proxy is still connecting.
        #expect(try await exchange("beta\nping", port: setup.port("routing")) == "ping")
        #expect(try await exchange("alpha\npong", port: setup.port("routing")) == "pong")
        #expect(try await exchange("beta\n", port: setup.port("routing")) == "")
        #expect(setup.counter("cluster.beta.upstream_cx_total") == 2)
        #expect(setup.counter("cluster.alpha.upstream_cx_total") == 1)
        #expect(setup.counter("line_router.lines.routed") == 3)
        await setup.stop()
    }

    @Test func theProgramsBootstrapLoadsWithTheCustomFilters() throws {
        // Tests/CustomFiltersTests/RealServerTests.swift → the package's custom-proxy.yaml.
        let path = "/" + String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/") + "/custom-proxy.yaml"
        var registry = FilterRegistry.bundled
        registry.register(UppercaseFilter.Factory())
        registry.register(LineRouterFilter.Factory())
        var logger = Logger(label: "custom-filter-tests")
        logger.logLevel = .critical
        let configuration = try ServerConfiguration.load(path: path, registry: registry, logger: logger)
        #expect(configuration.listenerNames == ["shouting", "routing"])
    }

    @Test func anUnknownRouteIsAnsweredAndClosed() async throws {
        let setup = try await Setup.start()
        #expect(try await exchange("gamma\nping", port: setup.port("routing")) == "no route\n")
        #expect(setup.counter("line_router.lines.no_route") == 1)
        #expect(setup.counter("cluster.alpha.upstream_cx_total") + setup.counter("cluster.beta.upstream_cx_total") == 0)
        await setup.stop()
    }
}
