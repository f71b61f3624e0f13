import BundledFilters
import ExampleFilters
import Foundation
import Logging
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// The sniff-then-route example (`example.prefix_router` in front of tcp_proxy) through the
/// real server on real sockets, with two echo backends: the harness tests' promises, kept
/// where it matters (issue 11).
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct PrefixRouterIntegrationTests {
    static func yaml(
        alphaPort: Int,
        betaPort: Int,
        defaultCluster: String? = nil,
        receiveBeforeConnect: Bool = false,
        statsConfig: String = ""
    ) -> String {
        """
        \(statsConfig)
        static_resources:
          listeners:
          - name: front
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: example.prefix_router
                typed_config:
                  "@type": type.googleapis.com/example.PrefixRouter
                  stat_prefix: sniff
                  routes:
                  - { prefix: ALFA, cluster: alpha }
                  - { prefix: BETA, cluster: beta }
        \(defaultCluster.map { "          default_cluster: \($0)" } ?? "")
                  receive_before_connect: \(receiveBeforeConnect)
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: front
                  cluster: alpha
          clusters:
          - name: alpha
            connect_timeout: 5s
            load_assignment:
              cluster_name: alpha
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: \(alphaPort) } }
          - name: beta
            connect_timeout: 5s
            load_assignment:
              cluster_name: beta
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: \(betaPort) } }
        """
    }

    /// Two echo backends and a relay routing between them.
    struct Setup {
        let alpha: EchoBackend
        let beta: EchoBackend
        let relay: RunningRelay

        static func start(defaultCluster: String? = nil, receiveBeforeConnect: Bool = false, statsConfig: String = "") async throws -> Setup {
            let group = MultiThreadedEventLoopGroup.singleton
            let alpha = try await EchoBackend.start(group: group)
            let beta = try await EchoBackend.start(group: group)
            var registry = FilterRegistry.bundled
            registry.register(PrefixRouterFilter.Factory())
            let yaml = PrefixRouterIntegrationTests.yaml(
                alphaPort: alpha.port,
                betaPort: beta.port,
                defaultCluster: defaultCluster,
                receiveBeforeConnect: receiveBeforeConnect,
                statsConfig: statsConfig
            )
            let relay = try await RunningRelay.start(yaml: yaml, registry: registry)
            return Setup(alpha: alpha, beta: beta, relay: relay)
        }

        func exchange(_ text: String, chunkSize: Int = 64 * 1024) async throws -> String {
            let received = try await TestClient.exchange(
                port: relay.port("front"),
                payload: ByteBuffer(string: text),
                chunkSize: chunkSize,
                group: MultiThreadedEventLoopGroup.singleton
            )
            return String(buffer: received)
        }

        func stop() async {
            await relay.stop()
            await alpha.stop()
            await beta.stop()
        }
    }

    @Test func fourBytesAndAnImmediateFINAreRoutedEchoedAndClosed() async throws {
        let setup = try await Setup.start()
        // The client sends its four bytes and FIN at once: the FIN arrives while tcp_proxy is
        // still connecting. The exchange returns only once the relay closed the connection.
        #expect(try await setup.exchange("BETA") == "BETA")
        #expect(setup.relay.counter("cluster.beta.upstream_cx_total") == 1)
        #expect(setup.relay.counter("cluster.alpha.upstream_cx_total") == 0)
        #expect(setup.relay.counter("prefix_router.sniff.routed") == 1)
        await setup.stop()
    }

    @Test func withReceiveBeforeConnectAFINDuringTheConnectIsRoutedEchoedAndClosed() async throws {
        let setup = try await Setup.start(receiveBeforeConnect: true)
        #expect(try await setup.exchange("BETA") == "BETA")
        // More than the 1 MiB buffer limit: tcp_proxy holds up to it, then pushes back until connected.
        let text = "ALFA" + String(repeating: "x", count: 3_000_000)
        #expect(try await setup.exchange(text) == text)
        #expect(setup.relay.counter("cluster.beta.upstream_cx_total") == 1)
        #expect(setup.relay.counter("cluster.alpha.upstream_cx_total") == 1)
        await setup.stop()
    }

    @Test func eachPrefixGoesToItsCluster() async throws {
        let setup = try await Setup.start()
        #expect(try await setup.exchange("ALFA first") == "ALFA first")
        #expect(try await setup.exchange("BETA second") == "BETA second")
        #expect(try await setup.exchange("ALFA third") == "ALFA third")
        #expect(setup.relay.counter("cluster.alpha.upstream_cx_total") == 2)
        #expect(setup.relay.counter("cluster.beta.upstream_cx_total") == 1)
        await setup.stop()
    }

    @Test func aPrefixInOneBytePiecesIsReassembled() async throws {
        let setup = try await Setup.start()
        let text = "BETA, sent one byte per write"
        #expect(try await setup.exchange(text, chunkSize: 1) == text)
        #expect(setup.relay.counter("cluster.beta.upstream_cx_total") == 1)
        await setup.stop()
    }

    @Test func aShortMessageEndedByFINGoesToTheDefaultCluster() async throws {
        let setup = try await Setup.start(defaultCluster: "beta")
        #expect(try await setup.exchange("AL") == "AL")
        #expect(setup.relay.counter("cluster.beta.upstream_cx_total") == 1)
        await setup.stop()
    }

    @Test func anUnknownPrefixIsClosedWithoutAnUpstream() async throws {
        let setup = try await Setup.start()
        #expect(try await setup.exchange("ZZZZ nothing") == "")
        #expect(setup.relay.counter("prefix_router.sniff.no_route") == 1)
        #expect(setup.relay.counter("cluster.alpha.upstream_cx_total") == 0)
        await setup.stop()
    }

    @Test func aStatsTagRuleTurnsTheStatPrefixIntoAPrometheusLabel() async throws {
        // As in Envoy: a custom filter's stat_prefix becomes a label only with a stats_tags rule.
        let statsConfig = #"""
            stats_config:
              stats_tags:
              - tag_name: prefix_router_prefix
                regex: '^prefix_router\.((.*?)\.)'
            """#
        let setup = try await Setup.start(statsConfig: statsConfig)
        #expect(try await setup.exchange("BETA") == "BETA")
        let prometheus = setup.relay.server.stats.snapshot().renderPrometheus()
        #expect(prometheus.contains("envoy_prefix_router_routed{prefix_router_prefix=\"sniff\"} 1\n"), "\(prometheus)")
        #expect(setup.relay.counter("prefix_router.sniff.routed") == 1)
        await setup.stop()
    }

    @Test func theExampleProxyBootstrapLoadsWithTheExampleFilters() throws {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/ExampleProxy/example-proxy.yaml").path
        var registry = FilterRegistry.bundled
        registry.register(ConnectionLimitFilter.Factory())
        registry.register(PrefixRouterFilter.Factory())
        var logger = Logger(label: "example-proxy-test")
        logger.logLevel = .critical
        let configuration = try ServerConfiguration.load(path: path, registry: registry, logger: logger)
        _ = configuration
    }

    @Test func twoHundredConcurrentConnectionsAreRoutedAndByteExact() async throws {
        let setup = try await Setup.start()
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for index in 0..<200 {
                tasks.addTask {
                    let prefix = index.isMultiple(of: 2) ? "ALFA" : "BETA"
                    let text = prefix + String(repeating: "\(index % 10)", count: 1000 + index)
                    return try await setup.exchange(text) == text
                }
            }
            var good = 0
            for try await ok in tasks where ok { good += 1 }
            #expect(good == 200)
        }
        #expect(setup.relay.counter("cluster.alpha.upstream_cx_total") == 100)
        #expect(setup.relay.counter("cluster.beta.upstream_cx_total") == 100)
        await setup.stop()
    }
}
