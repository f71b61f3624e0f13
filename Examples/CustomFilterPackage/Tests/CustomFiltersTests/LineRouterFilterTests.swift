import CustomFilters
import NIOCore
import Relay
import RelayTestKit
import TCPProxy
import Testing

/// `custom.line_router` in front of the real tcp_proxy, with fake clusters: what reaches
/// which upstream, in the order the server runs things.
@Suite struct LineRouterFilterTests {
    /// One downstream connection through the router then tcp_proxy.
    struct Chain {
        let clusters = FakeClusterManager(clusterNames: ["alpha", "beta"])
        let harness: FilterHarness

        init() throws {
            let context = FactoryContext.testing(clusterManager: clusters)
            let router = try LineRouterFilter.Factory().prepare(yaml: """
                stat_prefix: lines
                routes:
                - { name: alpha, cluster: alpha }
                - { name: beta, cluster: beta }
                max_line_bytes: 8
                """, context: context)
            let proxy = try TCPProxyFilter.Factory().prepare(yaml: "stat_prefix: front\ncluster: alpha", context: context)
            harness = FilterHarness(recordForwarded: false) { chain in
                LineRouterFilter.Factory().makeFilters(router, into: &chain)
                TCPProxyFilter.Factory().makeFilters(proxy, into: &chain)
            }
        }

        func counter(_ name: String) -> UInt64 { clusters.stats.existingCounter(name)?.value ?? 0 }
    }

    @Test func theFirstLinePicksTheClusterAndIsRemoved() throws {
        let chain = try Chain()
        #expect(chain.clusters["alpha"].connectCalls + chain.clusters["beta"].connectCalls == 0)
        chain.harness.receive("beta\nhello")
        #expect(chain.clusters["beta"].connectCalls == 1)
        let upstream = try chain.harness.completeUpstreamConnect(chain.clusters["beta"])
        #expect(upstream.receivedString == "hello")
        chain.harness.receive(" again")
        #expect(upstream.receivedString == "hello again")
        upstream.send("reply")
        #expect(chain.harness.writtenString == "reply")
        #expect(chain.counter("line_router.lines.routed") == 1)
    }

    @Test func aLineSplitOverReadsIsReassembled() throws {
        let chain = try Chain()
        chain.harness.receive("al")
        chain.harness.receive("pha\r")
        #expect(chain.clusters["alpha"].connectCalls == 0)
        chain.harness.receive("\nrest")
        let upstream = try chain.harness.completeUpstreamConnect(chain.clusters["alpha"])
        #expect(upstream.receivedString == "rest")
    }

    @Test func finDuringTheConnectReachesTheUpstreamAfterTheBytes() throws {
        let chain = try Chain()
        chain.harness.receive("beta\nping")
        chain.harness.receiveEndOfStream()
        #expect(chain.harness.connection.state == .open)
        let upstream = try chain.harness.completeUpstreamConnect(chain.clusters["beta"])
        #expect(upstream.receivedString == "ping")
        #expect(upstream.receivedEndOfStream)
        upstream.send("ping")
        upstream.sendEndOfStream()
        #expect(chain.harness.writtenString == "ping")
        #expect(chain.harness.connection.state == .closed)
    }

    @Test func anUnknownRouteIsRefusedWithoutAnUpstream() throws {
        let chain = try Chain()
        chain.harness.receive("gamma\nx")
        #expect(chain.harness.writtenString == "no route\n")
        #expect(chain.harness.connection.state == .closed)
        #expect(chain.clusters["alpha"].connectCalls + chain.clusters["beta"].connectCalls == 0)
        #expect(chain.counter("line_router.lines.no_route") == 1)
    }

    @Test func aLineLongerThanTheLimitIsRefused() throws {
        let chain = try Chain()
        chain.harness.receive("much-too-long")
        #expect(chain.harness.writtenString == "no route\n")
    }

    @Test func anUnknownClusterFailsAtLoad() throws {
        let error = #expect(throws: FilterConfigError.self) {
            _ = try LineRouterFilter.Factory().prepare(
                yaml: "stat_prefix: lines\nroutes: [{ name: x, cluster: nowhere }]",
                context: .testing(clusters: ["alpha"])
            )
        }
        #expect(error?.field == "routes[0].cluster")
        #expect(error?.message == "unknown cluster 'nowhere'")
    }
}
