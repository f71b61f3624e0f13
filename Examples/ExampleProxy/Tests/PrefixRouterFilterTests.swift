import ExampleFilters
import NIOCore
import Relay
import RelayTestKit
import TCPProxy
import Testing

/// The sniff-then-route example in front of the real tcp_proxy, with fake clusters: what
/// reaches which upstream, in the order the server runs things.
@Suite struct PrefixRouterFilterTests {
    static let routerYAML = """
        stat_prefix: sniff
        routes:
        - { prefix: ALFA, cluster: alpha }
        - { prefix: BETA, cluster: beta }
        """

    /// One downstream connection through `example.prefix_router` then `tcp_proxy`.
    struct Chain {
        let clusters: FakeClusterManager
        let harness: FilterHarness

        init(routerYAML: String = PrefixRouterFilterTests.routerYAML) throws {
            let clusters = FakeClusterManager(clusterNames: ["alpha", "beta"])
            let context = FactoryContext.testing(clusterManager: clusters)
            let router = try PrefixRouterFilter.Factory().prepare(yaml: routerYAML, context: context)
            let proxy = try TCPProxyFilter.Factory().prepare(yaml: "stat_prefix: front\ncluster: alpha", context: context)
            self.clusters = clusters
            harness = FilterHarness(recordForwarded: false) { chain in
                PrefixRouterFilter.Factory().makeFilters(router, into: &chain)
                TCPProxyFilter.Factory().makeFilters(proxy, into: &chain)
            }
        }

        var alpha: FakeCluster { clusters["alpha"] }
        var beta: FakeCluster { clusters["beta"] }

        func counter(_ name: String) -> UInt64 {
            clusters.stats.existingCounter(name)?.value ?? 0
        }
    }

    @Test func theFirstFourBytesPickTheClusterAndAllBytesGoThere() throws {
        let chain = try Chain()
        // tcp_proxy has not connected anywhere before the prefix is known.
        #expect(chain.alpha.connectCalls + chain.beta.connectCalls == 0)
        chain.harness.receive("BETA hello")
        #expect(chain.beta.connectCalls == 1)
        #expect(chain.alpha.connectCalls == 0)
        let upstream = try chain.harness.completeUpstreamConnect(chain.beta)
        #expect(upstream.receivedString == "BETA hello")
        chain.harness.receive(" more")
        #expect(upstream.receivedString == "BETA hello more")
        upstream.send("reply")
        #expect(chain.harness.writtenString == "reply")
        #expect(chain.counter("prefix_router.sniff.routed") == 1)
    }

    @Test func aPrefixSplitOverSeveralReadsIsReassembled() throws {
        let chain = try Chain()
        chain.harness.receive("AL")
        chain.harness.receive("F")
        #expect(chain.alpha.connectCalls == 0)
        chain.harness.receive("A!")
        #expect(chain.alpha.connectCalls == 1)
        let upstream = try chain.harness.completeUpstreamConnect(chain.alpha)
        #expect(upstream.receivedString == "ALFA!")
    }

    @Test func finDuringTheConnectReachesTheUpstreamAndTheConnectionClosesCleanly() throws {
        let chain = try Chain()
        chain.harness.receive("BETA")
        chain.harness.receiveEndOfStream()
        #expect(chain.harness.connection.state == .open)
        let upstream = try chain.harness.completeUpstreamConnect(chain.beta)
        #expect(upstream.receivedString == "BETA")
        #expect(upstream.receivedEndOfStream)
        // The echo server answers and half-closes too: everything is written, then both close.
        upstream.send("BETA")
        upstream.sendEndOfStream()
        #expect(chain.harness.writtenString == "BETA")
        #expect(chain.harness.transport.didShutdownWrite)
        chain.harness.drain()
        #expect(chain.harness.connection.state == .closed)
    }

    @Test func bytesAndFINInOneGoAreNotStranded() throws {
        let chain = try Chain()
        chain.harness.connection.transportRead(ByteBuffer(string: "ALFAxyz"))
        chain.harness.connection.transportReadEOF()
        chain.harness.drain()
        let upstream = try chain.harness.completeUpstreamConnect(chain.alpha)
        #expect(upstream.receivedString == "ALFAxyz")
        #expect(upstream.receivedEndOfStream)
    }

    @Test func withReceiveBeforeConnectTCPProxyKeepsReadingWhileConnecting() throws {
        let chain = try Chain(routerYAML: Self.routerYAML + "\nreceive_before_connect: true")
        #expect(chain.harness.connection.filterState[.tcpProxyReceiveBeforeConnect] == true)
        chain.harness.receive("BETA")
        #expect(chain.beta.connectCalls == 1)
        #expect(chain.harness.transport.isReadEnabled)
        chain.harness.receive(" more")
        chain.harness.receiveEndOfStream()
        let upstream = try chain.harness.completeUpstreamConnect(chain.beta)
        #expect(upstream.receivedString == "BETA more")
        #expect(upstream.receivedEndOfStream)
    }

    @Test func aShortPrefixEndedByFINGoesToTheDefaultClusterWithItsBytes() throws {
        let chain = try Chain(routerYAML: Self.routerYAML + "\ndefault_cluster: beta")
        chain.harness.receive("AL")
        chain.harness.receiveEndOfStream()
        let upstream = try chain.harness.completeUpstreamConnect(chain.beta)
        #expect(upstream.receivedString == "AL")
        #expect(upstream.receivedEndOfStream)
    }

    @Test func anUnknownPrefixWithoutADefaultClosesTheConnection() throws {
        let chain = try Chain()
        chain.harness.receive("ZZZZ")
        #expect(chain.harness.events.contains(.localClose))
        #expect(chain.alpha.connectCalls + chain.beta.connectCalls == 0)
        #expect(chain.counter("prefix_router.sniff.no_route") == 1)
    }

    @Test func customStatsAppearInTextAndPrometheusExposition() throws {
        let chain = try Chain()
        chain.harness.receive("BETA")
        let snapshot = chain.clusters.stats.snapshot()
        // `/stats`
        #expect(snapshot.renderText().contains("prefix_router.sniff.routed: 1\n"))
        // `/stats/prometheus`: Envoy's exact output; no default tag rule knows this filter.
        let prometheus = snapshot.renderPrometheus()
        #expect(prometheus.contains("# TYPE envoy_prefix_router_sniff_routed counter\n"), "\(prometheus)")
        #expect(prometheus.contains("envoy_prefix_router_sniff_routed{} 1\n"), "\(prometheus)")
        // `/stats/prometheus?naming=prometheus`: counters end in `_total`.
        let conventional = snapshot.renderPrometheus(naming: .conventional)
        #expect(conventional.contains("envoy_prefix_router_sniff_routed_total{} 1\n"), "\(conventional)")
    }

    @Test func configErrorsNameTheField() {
        let context = FactoryContext.testing(clusters: ["alpha"])
        #expect(throws: FilterConfigError.self) {
            try PrefixRouterFilter.Factory().prepare(yaml: "stat_prefix: s\nroutes: [{ prefix: ALFA, cluster: nowhere }]", context: context)
        }
        do {
            _ = try PrefixRouterFilter.Factory().prepare(yaml: "stat_prefix: s\nroutes: [{ prefix: TOOLONG, cluster: alpha }]", context: context)
            Issue.record("expected an error")
        } catch let error as FilterConfigError {
            #expect(error.field == "routes[0].prefix")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func anUnknownYAMLFieldIsAnErrorWithItsPosition() {
        let context = FactoryContext.testing(clusters: ["alpha"])
        do {
            _ = try PrefixRouterFilter.Factory().prepare(yaml: "stat_prefix: s\nroutes: []\nfoo: 1", context: context, fileName: "router.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("router.yaml:3:1"), "\(error)")
        }
    }
}
