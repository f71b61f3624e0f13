import Foundation
import Logging
import NIOCore
import Relay
import RelayTestKit
import TCPStats
import Testing

/// The network filter with the test kit: virtual time, no sockets.
@Suite struct TCPStatsFilterTests {
    struct NoClusters: ClusterManager {
        func cluster(named name: String) -> (any UpstreamCluster)? { nil }
    }

    static let local = LocalInfo(
        nodeID: "sidecar~mongodb",
        metadata: [
            "NAMESPACE": .string("default"),
            "WORKLOAD_NAME": .string("mongodb-v1"),
            "CLUSTER_ID": .string("Kubernetes"),
            "LABELS": .object(["app": .string("mongodb"), "version": .string("v1")]),
        ]
    )

    func prepare(interval: String = "15s", direction: TrafficDirection = .inbound) throws -> (TCPStatsShared, StatsStore) {
        let store = StatsStore()
        let context = FactoryContext(
            stats: store,
            scope: store.root,
            clusterManager: NoClusters(),
            localInfo: Self.local,
            trafficDirection: direction,
            logger: Logger(label: "test")
        )
        let config = try TCPStatsConfig(tcpReportingDuration: Duration(parsingProtobuf: interval))
        return (try TCPStatsFactory().prepare(config, context: context), store)
    }

    func connect(_ shared: TCPStatsShared) -> FilterHarness {
        FilterHarness { TCPStatsFactory().makeFilters(shared, into: &$0) }
    }

    func value(_ store: StatsStore, _ metric: String) -> UInt64 {
        store.snapshot().counters.filter { $0.name.tagExtractedName == metric }.reduce(0) { $0 + $1.value }
    }

    static let peer = WorkloadMetadata(namespace: "default", workloadName: "ratings-v2", app: "ratings", version: "v2")

    @Test func reportsAtTheFirstTickAfterThePeerIsKnownThenDeltasThenClose() throws {
        let (shared, store) = try prepare()
        let harness = connect(shared)
        let info = harness.connection.streamInfo
        info.bytesReceived = 6
        harness.advanceTime(by: .seconds(15))
        #expect(value(store, "istio_tcp_connections_opened_total") == 0, "nothing before the peer is known")

        try harness.connection.filterState.set(.downstreamPeer, .found(Self.peer))
        info.bytesSent = 12
        harness.advanceTime(by: .seconds(15))
        #expect(value(store, "istio_tcp_connections_opened_total") == 1)
        #expect(value(store, "istio_tcp_received_bytes_total") == 6)
        #expect(value(store, "istio_tcp_sent_bytes_total") == 12)

        info.bytesReceived = 10
        harness.advanceTime(by: .seconds(15))
        #expect(value(store, "istio_tcp_received_bytes_total") == 10)
        #expect(value(store, "istio_tcp_connections_opened_total") == 1)

        info.bytesSent = 20
        harness.receiveReset()
        #expect(value(store, "istio_tcp_connections_closed_total") == 1)
        #expect(value(store, "istio_tcp_sent_bytes_total") == 20)

        let opened = store.snapshot().counters.first { $0.name.tagExtractedName == "istio_tcp_connections_opened_total" }!
        let labels = Dictionary(uniqueKeysWithValues: opened.name.tags.map { ($0.name, $0.value) })
        #expect(opened.name.tags.count == 23)
        #expect(opened.name.tags.first?.name == "reporter")
        #expect(labels["reporter"] == "destination")
        #expect(labels["source_workload"] == "ratings-v2")
        #expect(labels["destination_workload"] == "mongodb-v1")
        #expect(labels["source_canonical_revision"] == "latest")
    }

    @Test func zeroIntervalReportsOnlyAtClose() throws {
        let (shared, store) = try prepare(interval: "0s")
        let harness = connect(shared)
        try harness.connection.filterState.set(.downstreamPeer, .found(Self.peer))
        harness.connection.streamInfo.bytesReceived = 60
        harness.advanceTime(by: .seconds(3600))
        #expect(value(store, "istio_tcp_connections_opened_total") == 0)
        harness.receiveEndOfStream()
        #expect(value(store, "istio_tcp_connections_opened_total") == 1)
        #expect(value(store, "istio_tcp_connections_closed_total") == 1)
        #expect(value(store, "istio_tcp_received_bytes_total") == 60)
    }

    @Test func sourceReporterReadsTheUpstreamPeer() throws {
        let (shared, store) = try prepare(interval: "1s", direction: .outbound)
        let harness = connect(shared)
        let upstreamState = FilterState()
        harness.connection.streamInfo.upstreamFilterState = upstreamState
        harness.advanceTime(by: .seconds(1))
        #expect(value(store, "istio_tcp_connections_opened_total") == 0)
        try upstreamState.set(.upstreamPeer, .found(Self.peer))
        harness.advanceTime(by: .seconds(1))
        let opened = store.snapshot().counters.first { $0.name.tagExtractedName == "istio_tcp_connections_opened_total" }
        #expect(opened?.value == 1)
        let labels = Dictionary(uniqueKeysWithValues: (opened?.name.tags ?? []).map { ($0.name, $0.value) })
        #expect(labels["reporter"] == "source")
        #expect(labels["destination_workload"] == "ratings-v2")
        #expect(labels["connection_security_policy"] == "unknown")
    }

    @Test func notFoundPeerCountsAsResolvedWithUnknownLabels() throws {
        let (shared, store) = try prepare(interval: "1s")
        let harness = connect(shared)
        try harness.connection.filterState.set(.downstreamPeer, .notFound(.alpnNotNegotiated))
        harness.advanceTime(by: .seconds(1))
        let opened = store.snapshot().counters.first { $0.name.tagExtractedName == "istio_tcp_connections_opened_total" }
        let labels = Dictionary(uniqueKeysWithValues: (opened?.name.tags ?? []).map { ($0.name, $0.value) })
        #expect(opened?.value == 1)
        #expect(labels["source_workload"] == "unknown")
        #expect(labels["source_canonical_revision"] == "latest")
    }

    @Test func prometheusOutputHasOneTypeLinePerFamily() throws {
        let (shared, store) = try prepare(interval: "0s")
        for _ in 0..<3 {
            let harness = connect(shared)
            try harness.connection.filterState.set(.downstreamPeer, .found(Self.peer))
            harness.receiveReset()
        }
        let text = store.snapshot().renderPrometheus()
        #expect(text.components(separatedBy: "# TYPE istio_tcp_connections_opened_total counter").count == 2)
        #expect(text.contains("istio_tcp_connections_closed_total{reporter=\"destination\",source_workload=\"ratings-v2\""))
    }
}

extension Duration {
    init(parsingProtobuf text: String) {
        let seconds = Double(text.dropLast())!
        self = .nanoseconds(Int64(seconds * 1e9))
    }
}
