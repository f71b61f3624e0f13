import Relay
import RelayTestKit
import TCPProxy
import Testing

/// `prepare` rejects bad configs with the offending field (spec §3.5 fields).
@Suite struct TCPProxyConfigTests {
    static func prepare(_ config: TCPProxyConfig, clusters: [String] = ["backend", "other"]) throws {
        let stats = StatsStore()
        let manager = FakeClusterManager(clusterNames: clusters, stats: stats)
        _ = try TCPProxyFilter.Factory().prepare(config, context: .testing(clusterManager: manager))
    }

    static func error(_ config: TCPProxyConfig) -> FilterConfigError? {
        do {
            try prepare(config)
            return nil
        } catch let error as FilterConfigError {
            return error
        } catch {
            return nil
        }
    }

    @Test func emptyStatPrefix() {
        let error = Self.error(TCPProxyConfig(statPrefix: "", cluster: "backend"))
        #expect(error?.field == "stat_prefix")
    }

    @Test func unknownClusterLoadsAsInEnvoy() {
        // Envoy loads it and answers its connections with NR (MissingClusterTests covers that).
        #expect(Self.error(TCPProxyConfig(statPrefix: "front", cluster: "missing")) == nil)
        #expect(Self.error(TCPProxyConfig(
            statPrefix: "front",
            weightedClusters: .init(clusters: [.init(name: "backend", weight: 1), .init(name: "gone", weight: 1)])
        )) == nil)
    }

    @Test func bothClusterAndWeightedClusters() {
        let error = Self.error(TCPProxyConfig(
            statPrefix: "front", cluster: "backend",
            weightedClusters: .init(clusters: [.init(name: "other", weight: 1)])
        ))
        #expect(error?.field == "weighted_clusters")
    }

    @Test func neitherClusterNorWeightedClusters() {
        let error = Self.error(TCPProxyConfig(statPrefix: "front"))
        #expect(error != nil)
        #expect(error?.message.contains("cluster") == true)
    }

    @Test func zeroMaxConnectAttempts() {
        let error = Self.error(TCPProxyConfig(statPrefix: "front", cluster: "backend", maxConnectAttempts: 0))
        #expect(error?.field == "max_connect_attempts")
    }

    @Test func weightedClusterErrorsNameTheEntry() {
        let zero = Self.error(TCPProxyConfig(
            statPrefix: "front",
            weightedClusters: .init(clusters: [.init(name: "backend", weight: 0)])
        ))
        #expect(zero?.field == "weighted_clusters.clusters[0].weight")
        let empty = Self.error(TCPProxyConfig(statPrefix: "front", weightedClusters: .init(clusters: [])))
        #expect(empty?.field == "weighted_clusters")
    }

    @Test func tooShortMaxDuration() {
        let error = Self.error(TCPProxyConfig(
            statPrefix: "front", cluster: "backend", maxDownstreamConnectionDuration: ProtobufDuration(nanoseconds: 500_000)
        ))
        #expect(error?.field == "max_downstream_connection_duration")
    }

    @Test func validConfigsPrepare() throws {
        try Self.prepare(TCPProxyConfig(statPrefix: "front", cluster: "backend", maxConnectAttempts: 5))
        try Self.prepare(TCPProxyConfig(
            statPrefix: "front",
            weightedClusters: .init(clusters: [.init(name: "backend", weight: 1), .init(name: "other", weight: 9)])
        ))
    }
}
