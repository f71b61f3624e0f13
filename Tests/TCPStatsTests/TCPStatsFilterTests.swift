import IstioPeer
import Logging
import NIOCore
import Relay
import RelayTestKit
import Testing

@testable import TCPStats

/// The `istio.stats` network filter on an in-memory connection with virtual time. tcp_proxy is
/// simulated by bumping the connection's `StreamInfo` byte counts, as tcp_proxy does.
@Suite struct TCPStatsFilterTests {
    // MARK: - Factory

    @Test func factoryNameAndTypeURL() {
        #expect(TCPStatsFilter.Factory.name == "istio.stats")
        #expect(TCPStatsFilter.Factory.typeURLs == ["type.googleapis.com/stats.PluginConfig"])
        #expect(!TCPStatsFilter.Factory.isTerminal)
    }

    @Test func prepareResolvesReporterAndLocalNode() throws {
        let store = StatsStore()
        let factory = TCPStatsFilter.Factory()
        let inbound = try factory.prepare(try TCPStatsConfig(), context: Env.context(store, .inbound))
        #expect(inbound.reporter == .destination)
        #expect(inbound.localNode.workloadName == "ratings-v1")
        #expect(inbound.localNode.canonicalName == "ratings")
        #expect(inbound.localNode.app == "ratings")
        #expect(inbound.localNodeMetadata["ISTIO_VERSION"] == "1.30.0")
        #expect(inbound.localNodeMetadata["LABELS"] == nil)
        #expect(inbound.reportingInterval == .seconds(15))

        let outbound = try factory.prepare(try TCPStatsConfig(), context: Env.context(store, .outbound))
        #expect(outbound.reporter == .source)
        let unspecified = try factory.prepare(try TCPStatsConfig(), context: Env.context(store, .unspecified))
        #expect(unspecified.reporter == .source)
        let waypoint = try factory.prepare(
            try TCPStatsConfig(tcpReportingDuration: .zero, reporter: .serverGateway),
            context: Env.context(store, .inbound)
        )
        #expect(waypoint.reporter == .waypoint)
        #expect(waypoint.reportingInterval == nil)
    }

    @Test func makeFiltersAddsAReadFilterThatPassesDataThroughAndReports() throws {
        let store = StatsStore()
        let shared = try TCPStatsFilter.Factory().prepare(try TCPStatsConfig(), context: Env.context(store, .inbound))
        let harness = FilterHarness { chain in TCPStatsFilter.Factory().makeFilters(shared, into: &chain) }
        harness.receive("hello")
        #expect(harness.forwardedString == "hello")
        harness.write("written")
        #expect(harness.writtenString == "written")
        try harness.connection.filterState.set(.downstreamPeer, .found(Fixtures.clientNode))
        harness.connection.streamInfo.bytesReceived = 5
        harness.advanceTime(by: .seconds(15))
        let received = store.snapshot().counters.first { $0.name.tagExtractedName == "istio_tcp_received_bytes_total" }
        #expect(received?.value == 5)
    }

    // MARK: - Schedule

    @Test func nothingIsReportedBeforeThePeerResolves() throws {
        let env = try Env(direction: .inbound)
        env.info.bytesReceived = 6
        env.advance(seconds: 15)
        env.advance(seconds: 15)
        #expect(env.store.snapshot().counters.isEmpty)
        #expect(env.filter.labels == nil)
    }

    @Test func openedAndBytesAppearAtTheFirstTickAfterThePeerResolves() throws {
        let env = try Env(direction: .inbound)
        env.info.bytesReceived = 6
        env.info.bytesSent = 12
        env.advance(seconds: 15)
        #expect(env.store.snapshot().counters.isEmpty)

        // Metadata exchange completes between two ticks.
        env.advance(seconds: 5)
        try env.publishDownstreamPeer()
        #expect(env.store.snapshot().counters.isEmpty, "nothing is reported until the next tick")
        env.advance(seconds: 9)
        #expect(env.store.snapshot().counters.isEmpty)
        env.advance(seconds: 1)
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.value(.receivedBytes) == 6)
        #expect(env.value(.sentBytes) == 12)
        #expect(env.value(.connectionsClosed) == nil)
    }

    @Test func eachTickReportsTheDelta() throws {
        let env = try Env(direction: .inbound)
        try env.publishDownstreamPeer()
        env.info.bytesReceived = 6
        env.info.bytesSent = 12
        env.advance(seconds: 15)
        #expect(env.value(.receivedBytes) == 6)

        env.info.bytesReceived += 60
        env.info.bytesSent += 120
        env.advance(seconds: 15)
        #expect(env.value(.receivedBytes) == 66)
        #expect(env.value(.sentBytes) == 132)

        // An idle interval adds nothing; opened stays at one.
        env.advance(seconds: 15)
        #expect(env.value(.receivedBytes) == 66)
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.store.snapshot().counters.count == 3)
    }

    @Test func closeReportsTheLastDeltaAndClosedThenStopsTheTimer() throws {
        let env = try Env(direction: .inbound)
        try env.publishDownstreamPeer()
        env.info.bytesReceived = 6
        env.advance(seconds: 15)
        env.info.bytesReceived = 10
        env.info.bytesSent = 3
        env.harness.receiveReset()
        #expect(env.harness.events.contains(.remoteClose))
        #expect(env.filter.hasReportedClose)
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.value(.connectionsClosed) == 1)
        #expect(env.value(.receivedBytes) == 10)
        #expect(env.value(.sentBytes) == 3)

        env.info.bytesReceived = 100
        env.advance(seconds: 60)
        #expect(env.value(.receivedBytes) == 10)
        #expect(env.value(.connectionsClosed) == 1)
    }

    @Test func localCloseAlsoReports() throws {
        let env = try Env(direction: .inbound)
        env.info.bytesSent = 7
        env.harness.connection.close(.noFlush)
        env.harness.drain()
        #expect(env.harness.events.contains(.localClose))
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.value(.connectionsClosed) == 1)
        #expect(env.value(.sentBytes) == 7)
    }

    @Test func closeBeforeThePeerResolvesReportsWithUnknownPeerLabels() throws {
        let env = try Env(direction: .inbound)
        env.advance(seconds: 15)
        env.harness.receiveReset()
        let labels = try #require(env.filter.labels)
        #expect(labels[standardTag: "source_workload"] == "unknown")
        #expect(labels[standardTag: "source_canonical_revision"] == "latest")
        #expect(labels[standardTag: "destination_workload"] == "ratings-v1")
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.value(.connectionsClosed) == 1)
    }

    @Test func zeroIntervalReportsOnlyAtClose() throws {
        let env = try Env(direction: .inbound, config: TCPStatsConfig(tcpReportingDuration: .zero))
        try env.publishDownstreamPeer()
        env.info.bytesReceived = 6
        env.info.bytesSent = 12
        env.advance(seconds: 3600)
        #expect(env.store.snapshot().counters.isEmpty)
        env.harness.receiveReset()
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.value(.receivedBytes) == 6)
        #expect(env.value(.sentBytes) == 12)
        #expect(env.value(.connectionsClosed) == 1)
    }

    @Test func customIntervalIsHonoured() throws {
        let env = try Env(direction: .inbound, config: TCPStatsConfig(tcpReportingDuration: .milliseconds(5_500)))
        try env.publishDownstreamPeer()
        env.advance(milliseconds: 5_499)
        #expect(env.value(.connectionsOpened) == nil)
        env.advance(milliseconds: 1)
        #expect(env.value(.connectionsOpened) == 1)
    }

    @Test func bytesAreFinalWhenTheCloseIsReported() throws {
        // A stand-in for tcp_proxy, later in the chain: counts what it reads and registers its
        // own connection callbacks after the stats filter.
        let proxy = CountingProxy()
        let env = try Env(direction: .inbound, config: TCPStatsConfig(tcpReportingDuration: .zero)) { chain in
            chain.addReadFilter(proxy)
        }
        try env.publishDownstreamPeer()
        env.harness.receive("hello ")
        // Bytes still buffered when the FIN arrives are delivered to the filters before the
        // close event is raised.
        let connection = env.harness.connection
        connection.readDisable(true)
        connection.transportRead(ByteBuffer(string: "world"))
        connection.readDisable(false)
        #expect(env.info.bytesReceived == 6)
        connection.transportReadEOF()
        env.harness.drain()
        #expect(env.harness.events.contains(.remoteClose))
        #expect(proxy.closeSeen)
        #expect(env.info.bytesReceived == 11)
        #expect(env.value(.receivedBytes) == 11)
        #expect(env.value(.connectionsClosed) == 1)
    }

    // MARK: - Labels

    @Test func destinationLabelsMatchTheE2EVectorAndAreFrozen() throws {
        let env = try Env(direction: .inbound, tls: Env.serverTLS)
        env.info.upstreamCluster = Env.cluster("inbound|9080||")
        try env.publishDownstreamPeer()
        env.advance(seconds: 15)
        let labels = try #require(env.filter.labels)
        #expect(labels.standard.rendered == Env.serverVector)

        // Later changes do not move the connection to another series.
        env.info.responseFlags = .upstreamRemoteReset
        env.info.upstreamCluster = Env.cluster("PassthroughCluster")
        env.info.bytesReceived = 5
        env.advance(seconds: 15)
        env.harness.receiveReset()
        #expect(env.filter.labels == labels)
        #expect(env.store.snapshot().counters.count == 4)
        let closed = try #require(env.counter(.connectionsClosed))
        #expect(closed.name.tags.map { "\($0.name)=\($0.value)" } == Env.serverVector)
    }

    @Test func sourceReporterReadsTheUpstreamFilterState() throws {
        let env = try Env(direction: .outbound, node: Fixtures.clientNode)
        env.info.upstreamCluster = Env.cluster("outbound|9080||server.default.svc.cluster.local")
        env.info.upstreamTLS = TLSConnectionInfo(
            peerCertificatePresented: true,
            peerURISANs: [Fixtures.serverSAN],
            localURISANs: [Fixtures.clientSAN]
        )
        // A downstream peer does not resolve the source reporter.
        try env.publishDownstreamPeer()
        env.advance(seconds: 15)
        #expect(env.store.snapshot().counters.isEmpty)

        // tcp_proxy connected: the upstream connection's filter state, where the upstream
        // metadata-exchange filter publishes the server.
        let upstreamState = FilterState()
        env.info.upstreamFilterState = upstreamState
        env.advance(seconds: 15)
        #expect(env.store.snapshot().counters.isEmpty)
        try upstreamState.set(.upstreamPeer, .found(Fixtures.serverNode))
        env.info.bytesSent = 120
        env.info.bytesReceived = 60
        env.advance(seconds: 15)

        let labels = try #require(env.filter.labels)
        #expect(labels.standard.rendered == Env.clientVector)
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.value(.sentBytes) == 120)
        #expect(env.value(.receivedBytes) == 60)
    }

    @Test func sourceWithoutPeerFallsBackToEndpointMetadataAtClose() throws {
        let env = try Env(direction: .outbound, node: Fixtures.clientNode)
        env.info.upstreamCluster = Env.cluster("outbound|9080||server.default.svc.cluster.local")
        env.info.upstreamHost = HostDescription(
            address: Fixtures.address("10.0.0.7", 9080),
            clusterName: "outbound|9080||server.default.svc.cluster.local",
            metadata: ["istio": .object(["workload": .string("ratings-v1;default;ratings;version-1;server-cluster")])]
        )
        env.info.responseFlags = [.upstreamConnectionFailure, .upstreamRetryLimitExceeded]
        env.advance(seconds: 30)
        #expect(env.store.snapshot().counters.isEmpty)
        env.harness.receiveReset()
        let labels = try #require(env.filter.labels)
        #expect(labels[standardTag: "destination_workload"] == "ratings-v1")
        #expect(labels[standardTag: "destination_canonical_service"] == "ratings")
        #expect(labels[standardTag: "destination_cluster"] == "server-cluster")
        #expect(labels[standardTag: "destination_principal"] == "unknown")
        #expect(labels[standardTag: "response_flags"] == "UF,URX")
        #expect(labels[standardTag: "connection_security_policy"] == "unknown")
    }

    @Test func waypointResolvesOnTheDownstreamPeerAndNamesTheUpstreamPeer() throws {
        let config = try TCPStatsConfig(reporter: .serverGateway)
        let env = try Env(direction: .inbound, config: config, tls: Env.serverTLS)
        env.info.upstreamCluster = Env.cluster("inbound-vip|9080|tcp|server.default.svc.cluster.local")
        let upstreamState = FilterState()
        try upstreamState.set(.upstreamPeer, .found(Fixtures.serverNode))
        env.info.upstreamFilterState = upstreamState
        env.advance(seconds: 15)
        #expect(env.store.snapshot().counters.isEmpty, "a waypoint waits for the downstream peer")
        try env.publishDownstreamPeer()
        env.advance(seconds: 15)
        let labels = try #require(env.filter.labels)
        #expect(labels[standardTag: "reporter"] == "waypoint")
        #expect(labels[standardTag: "source_workload"] == "productpage-v1")
        #expect(labels[standardTag: "destination_workload"] == "ratings-v1")
        #expect(labels[standardTag: "destination_principal"] == Fixtures.serverSAN)
        #expect(labels[standardTag: "destination_service_name"] == "server")
        #expect(labels[standardTag: "connection_security_policy"] == "mutual_tls")
    }

    @Test func notFoundMarkerResolvesThePeer() throws {
        let env = try Env(direction: .inbound)
        try env.harness.connection.filterState.set(.downstreamPeer, .notFound(.alpnNotNegotiated))
        env.advance(seconds: 15)
        #expect(env.value(.connectionsOpened) == 1)
        #expect(env.filter.labels?[standardTag: "source_workload"] == "unknown")
    }

    @Test func connectionsShareSeriesAndCounters() throws {
        let store = StatsStore()
        let shared = try TCPStatsFilter.Factory().prepare(try TCPStatsConfig(), context: Env.context(store, .inbound))
        for bytes in [UInt64(6), 10] {
            let env = try Env(shared: shared, store: store)
            try env.publishDownstreamPeer()
            env.info.bytesReceived = bytes
            env.harness.receiveReset()
        }
        #expect(shared.series.count == 4)
        #expect(store.snapshot().counters.count == 4)
        let opened = store.snapshot().counters.first { $0.name.tagExtractedName == "istio_tcp_connections_opened_total" }
        #expect(opened?.value == 2)
        let received = store.snapshot().counters.first { $0.name.tagExtractedName == "istio_tcp_received_bytes_total" }
        #expect(received?.value == 16)
    }

    @Test func droppedMetricAndRemovedTagAreHonoured() throws {
        let config = try TCPStatsConfig(
            metrics: [
                TCPStatsConfig.MetricConfig(name: "tcp_sent_bytes_total", drop: true),
                TCPStatsConfig.MetricConfig(tagsToRemove: ["response_flags"]),
            ]
        )
        let env = try Env(direction: .inbound, config: config)
        try env.publishDownstreamPeer()
        env.info.bytesSent = 9
        env.harness.receiveReset()
        #expect(env.value(.sentBytes) == nil)
        let opened = try #require(env.counter(.connectionsOpened))
        #expect(opened.name.tags.count == 22)
        #expect(!opened.name.tags.contains { $0.name == "response_flags" })
    }

    // MARK: - Exposition

    @Test func prometheusExpositionHasTheFamiliesAndAllLabelsInOrder() throws {
        let text = try Env.reportedServerConnection().snapshot().renderPrometheus()
        for metric in [TCPStatsMetric.connectionsOpened, .sentBytes, .receivedBytes] {
            #expect(text.contains("# TYPE \(metric.prometheusName) counter\n"))
        }
        #expect(!text.contains("istio_tcp_connections_closed_total"), "the connection is still open")
        let labels = Env.serverVector.map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return "\(parts[0])=\"\(parts[1])\""
        }.joined(separator: ",")
        #expect(text.contains("istio_tcp_connections_opened_total{\(labels)} 1\n"))
        #expect(text.contains("istio_tcp_sent_bytes_total{\(labels)} 12\n"))
        #expect(text.contains("istio_tcp_received_bytes_total{\(labels)} 6\n"))
        #expect(!text.contains("envoy_istio"))
    }
}

/// A connection with the stats filter on it, and the stats store it reports to.
struct Env {
    let store: StatsStore
    let harness: FilterHarness
    let filter: TCPStatsFilter

    var info: StreamInfo { harness.connection.streamInfo }

    init(
        direction: TrafficDirection,
        node: WorkloadMetadata = Fixtures.serverNode,
        config: TCPStatsConfig? = nil,
        tls: TLSConnectionInfo? = nil,
        after: (inout FilterChainBuilder) -> Void = { _ in }
    ) throws {
        let store = StatsStore()
        let shared = try TCPStatsFilter.Factory().prepare(
            try config ?? TCPStatsConfig(),
            context: Env.context(store, direction, node: node)
        )
        try self.init(shared: shared, store: store, tls: tls, after: after)
    }

    init(
        shared: TCPStatsFilter.Shared,
        store: StatsStore,
        tls: TLSConnectionInfo? = nil,
        after: (inout FilterChainBuilder) -> Void = { _ in }
    ) throws {
        self.store = store
        let filter = TCPStatsFilter(shared: shared)
        self.filter = filter
        harness = FilterHarness(tls: tls) { chain in
            chain.addReadFilter(filter)
            after(&chain)
        }
    }

    func advance(seconds: Int64) {
        harness.advanceTime(by: .seconds(seconds))
    }

    func advance(milliseconds: Int64) {
        harness.advanceTime(by: .milliseconds(milliseconds))
    }

    func publishDownstreamPeer() throws {
        try harness.connection.filterState.set(.downstreamPeer, .found(Fixtures.clientNode))
    }

    func counter(_ metric: TCPStatsMetric) -> Counter? {
        store.snapshot().counters.first { $0.name.tagExtractedName == metric.prometheusName }
    }

    func value(_ metric: TCPStatsMetric) -> UInt64? {
        counter(metric)?.value
    }

    // MARK: Fixtures

    static func localInfo(_ node: WorkloadMetadata) -> LocalInfo {
        LocalInfo(
            nodeID: "sidecar~10.52.0.34~\(node.name).default~default.svc.cluster.local",
            metadata: [
                "NAME": .string(node.name),
                "NAMESPACE": .string(node.namespace),
                "WORKLOAD_NAME": .string(node.workloadName),
                "CLUSTER_ID": .string(node.clusterID),
                "ISTIO_VERSION": .string("1.30.0"),
                "LABELS": .object([
                    "app": .string(node.app),
                    "version": .string(node.version),
                    "service.istio.io/canonical-name": .string(node.canonicalName),
                    "service.istio.io/canonical-revision": .string(node.canonicalRevision),
                ]),
            ]
        )
    }

    static func context(
        _ store: StatsStore,
        _ direction: TrafficDirection,
        node: WorkloadMetadata = Fixtures.serverNode
    ) -> FactoryContext {
        FactoryContext(
            stats: store,
            scope: store.root,
            clusterManager: NoClusters(),
            localInfo: localInfo(node),
            listenerName: "virtualInbound",
            trafficDirection: direction,
            logger: Logger(label: "TCPStatsFilterTests")
        )
    }

    /// A cluster carrying istiod's service metadata for `server.default.svc.cluster.local`.
    static func cluster(_ name: String) -> ClusterInfo {
        ClusterInfo(
            name: name,
            metadata: [
                "istio": .object([
                    "services": .list([
                        .object([
                            "host": .string("server.default.svc.cluster.local"),
                            "name": .string("server"),
                            "namespace": .string("default"),
                        ])
                    ])
                ])
            ],
            stats: ClusterStats(scope: StatsStore().root.scope("cluster", taggedValue: name, tagName: "envoy.cluster_name"))
        )
    }

    static let serverTLS = TLSConnectionInfo(
        alpn: "istio-peer-exchange",
        peerCertificatePresented: true,
        peerCertificateValidated: true,
        peerURISANs: [Fixtures.clientSAN],
        localURISANs: [Fixtures.serverSAN]
    )

    /// A server-side connection that reported at one tick (received 6, sent 12) and is still
    /// open; returns its store.
    static func reportedServerConnection() throws -> StatsStore {
        let env = try Env(direction: .inbound, tls: serverTLS)
        env.info.upstreamCluster = cluster("inbound|9080||")
        try env.publishDownstreamPeer()
        env.info.bytesReceived = 6
        env.info.bytesSent = 12
        env.advance(seconds: 15)
        return env.store
    }

    /// The spec's e2e server vector (§2.4).
    static let serverVector = [
        "reporter=destination", "source_workload=productpage-v1", "source_canonical_service=productpage-v1",
        "source_canonical_revision=version-1", "source_workload_namespace=default",
        "source_principal=spiffe://cluster.local/ns/default/sa/client", "source_app=productpage", "source_version=v1",
        "source_cluster=client-cluster", "destination_workload=ratings-v1", "destination_workload_namespace=default",
        "destination_principal=spiffe://cluster.local/ns/default/sa/server", "destination_app=ratings",
        "destination_version=v1", "destination_service=server.default.svc.cluster.local",
        "destination_canonical_service=ratings", "destination_canonical_revision=version-1",
        "destination_service_name=server", "destination_service_namespace=default",
        "destination_cluster=server-cluster", "request_protocol=tcp", "response_flags=-",
        "connection_security_policy=mutual_tls",
    ]

    /// The spec's e2e client vector: the same values, reporter `source`, policy `unknown`.
    static let clientVector: [String] = serverVector.map { pair in
        switch pair {
        case "reporter=destination": "reporter=source"
        case "connection_security_policy=mutual_tls": "connection_security_policy=unknown"
        default: pair
        }
    }
}

/// A cluster manager with no clusters (the stats filter never connects anywhere).
struct NoClusters: ClusterManager {
    func cluster(named name: String) -> (any UpstreamCluster)? { nil }
}

/// Stands in for tcp_proxy: counts the bytes it reads into `StreamInfo` and drains them.
final class CountingProxy: ReadFilter, ConnectionCallbacks {
    private var connection: NetworkConnection?
    var closeSeen = false

    func initialize(callbacks: any ReadFilterCallbacks) {
        connection = callbacks.connection
        callbacks.connection.addConnectionCallbacks(self)
    }

    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        connection?.streamInfo.bytesReceived += UInt64(data.readableBytes)
        data.moveReaderIndex(forwardBy: data.readableBytes)
        return .stopIteration
    }

    func onEvent(_ event: ConnectionEvent) {
        if event != .connected { closeSeen = true }
    }

    func onAboveWriteBufferHighWatermark() {}
    func onBelowWriteBufferLowWatermark() {}
}
