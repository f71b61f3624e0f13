import Logging
import NIOCore
import Relay
import RelayTestKit
import TCPProxy

/// One downstream connection through a real ``TCPProxyFactory`` filter, with fake clusters and
/// a test-made upstream connection on the same embedded event loop.
///
/// - Note: Confined to the test's thread.
final class ProxyFixture {
    let stats: StatsStore
    let manager: FakeClusterManager
    let prepared: TCPProxySharedConfig
    let harness: FilterHarness
    private(set) var upstream: NetworkConnection?
    private(set) var upstreamTransport: RecordingTransport?
    private(set) var upstreamEvents: [ConnectionEvent] = []

    /// Prepares `config` against clusters named `clusterNames` and opens one downstream
    /// connection. `before` runs before the filter sees the connection (cluster modes,
    /// filter state).
    init(
        config: TCPProxyConfig = TCPProxyConfig(statPrefix: "front", cluster: "backend"),
        clusterNames: [String] = ["backend"],
        downstreamBufferLimit: Int = 1 << 20,
        stats: StatsStore = StatsStore(),
        before: (FakeClusterManager, NetworkConnection) throws -> Void = { _, _ in }
    ) throws {
        self.stats = stats
        let manager = FakeClusterManager(clusterNames.map { FakeCluster(name: $0, stats: stats) })
        self.manager = manager
        let prepared = try TCPProxyFactory().prepare(config, context: Self.context(stats: stats, manager: manager))
        self.prepared = prepared
        var failure: (any Error)?
        harness = FilterHarness(bufferLimit: downstreamBufferLimit, recordForwarded: false) { chain in
            do {
                try before(manager, chain.connection)
            } catch {
                failure = error
            }
            TCPProxyFactory().makeFilters(prepared, into: &chain)
        }
        if let failure { throw failure }
    }

    static func context(stats: StatsStore, manager: any ClusterManager) -> FactoryContext {
        FactoryContext(
            stats: stats,
            scope: stats.root.scope("listener").scope("front"),
            clusterManager: manager,
            localInfo: LocalInfo(),
            listenerName: "front",
            logger: Logger(label: "tcp-proxy-tests")
        )
    }

    var downstream: NetworkConnection { harness.connection }
    var flags: ResponseFlags { downstream.streamInfo.responseFlags }

    func cluster(_ name: String = "backend") -> FakeCluster {
        manager.clusters[name]!
    }

    /// A counter's value by flat name (0 if it was never created).
    func counter(_ name: String) -> UInt64 {
        stats.existingCounter(name)?.value ?? 0
    }

    // MARK: - Upstream connect results

    /// The latest pending attempt of `cluster` succeeds with a fresh upstream connection.
    func upstreamConnects(cluster name: String = "backend", bufferLimit: Int = 1 << 20) {
        let cluster = cluster(name)
        let attempt = cluster.attempts.last!
        let transport = RecordingTransport(eventLoop: harness.eventLoop)
        let connection = NetworkConnection(
            id: NetworkConnection.nextID(),
            transport: transport,
            dispatcher: Dispatcher(eventLoop: harness.eventLoop),
            streamInfo: StreamInfo(startTime: harness.eventLoop.now),
            isUpstream: true,
            bufferLimit: bufferLimit
        )
        transport.connection = connection
        connection.cluster = cluster.info
        connection.host = cluster.host
        connection.addConnectionCallbacks(UpstreamEventRecorder { [weak self] in self?.upstreamEvents.append($0) })
        connection.transportConnected()
        upstream = connection
        upstreamTransport = transport
        attempt.callbacks.upstreamReady(connection, host: cluster.host)
        harness.drain()
    }

    /// The latest pending attempt of `cluster` fails.
    func upstreamFails(_ reason: UpstreamFailureReason = .connectFailure, cluster name: String = "backend") {
        let cluster = cluster(name)
        cluster.attempts.last!.callbacks.upstreamFailed(reason, host: cluster.host)
        harness.drain()
    }

    // MARK: - Upstream peer

    func upstreamSends(_ bytes: ByteBuffer) {
        upstream!.transportRead(bytes)
        harness.drain()
    }

    func upstreamSends(_ text: String) {
        upstreamSends(ByteBuffer(string: text))
    }

    func upstreamSendsEndOfStream() {
        upstream!.transportReadEOF()
        harness.drain()
    }

    /// The upstream socket is gone (peer close or reset).
    func upstreamCloses() {
        upstream!.transportClosed()
        harness.drain()
    }

    func upstreamWriteBuffer(aboveHighWatermark above: Bool) {
        upstream!.transportWritabilityChanged(isWritable: !above)
        harness.drain()
    }

    var upstreamWrittenString: String {
        String(buffer: upstreamTransport?.written ?? ByteBuffer())
    }
}

@available(*, unavailable)
extension ProxyFixture: Sendable {}

/// Records the upstream connection's events for the fixture.
final class UpstreamEventRecorder: ConnectionCallbacks {
    private let record: (ConnectionEvent) -> Void

    init(_ record: @escaping (ConnectionEvent) -> Void) {
        self.record = record
    }

    func onEvent(_ event: ConnectionEvent) {
        record(event)
    }
}

/// Deterministic bytes (xorshift) so a mismatch reproduces.
func pattern(size: Int, seed: UInt64) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.reserveCapacity(size)
    var state = seed
    for _ in 0..<(size + 7) / 8 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        buffer.writeInteger(state, as: UInt64.self)
    }
    buffer.moveWriterIndex(to: size)
    return buffer
}
