import Logging
import NIOCore
import Relay
import RelayTestKit
import TCPProxy

/// One downstream connection through a real ``TCPProxyFilter/Factory`` filter, with the test kit's
/// fake clusters and upstream connection on the same embedded event loop.
///
/// - Note: Confined to the test's thread.
final class ProxyFixture {
    let stats: StatsStore
    let manager: FakeClusterManager
    let prepared: TCPProxyFilter.Shared
    let harness: FilterHarness
    private(set) var fakeUpstream: FakeUpstream?
    var upstream: NetworkConnection? { fakeUpstream?.connection }
    var upstreamTransport: InMemoryTransport? { fakeUpstream?.transport }
    var upstreamEvents: [ConnectionEvent] { fakeUpstream?.events ?? [] }

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
        let manager = FakeClusterManager(clusterNames: clusterNames, stats: stats)
        self.manager = manager
        let prepared = try TCPProxyFilter.Factory().prepare(config, context: .testing(clusterManager: manager, listenerName: "front"))
        self.prepared = prepared
        var failure: (any Error)?
        harness = FilterHarness(bufferLimit: downstreamBufferLimit, recordForwarded: false) { chain in
            do {
                try before(manager, chain.connection)
            } catch {
                failure = error
            }
            TCPProxyFilter.Factory().makeFilters(prepared, into: &chain)
        }
        if let failure { throw failure }
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
        // Every caller connects right after tcp_proxy started an attempt; none pending is a test bug.
        fakeUpstream = try! harness.completeUpstreamConnect(cluster(name), bufferLimit: bufferLimit)
    }

    /// The latest pending attempt of `cluster` fails.
    func upstreamFails(_ reason: UpstreamFailureReason = .connectFailure, cluster name: String = "backend") {
        try! harness.failUpstreamConnect(cluster(name), reason: reason)
    }

    // MARK: - Upstream peer

    func upstreamSends(_ bytes: ByteBuffer) {
        fakeUpstream!.send(bytes)
        harness.drain()
    }

    func upstreamSends(_ text: String) {
        upstreamSends(ByteBuffer(string: text))
    }

    func upstreamSendsEndOfStream() {
        fakeUpstream!.sendEndOfStream()
        harness.drain()
    }

    /// The upstream socket is gone (peer close or reset).
    func upstreamCloses() {
        fakeUpstream!.close()
        harness.drain()
    }

    func upstreamWriteBuffer(aboveHighWatermark above: Bool) {
        fakeUpstream!.setWriteBufferAboveHighWatermark(above)
        harness.drain()
    }

    var upstreamWrittenString: String {
        fakeUpstream?.receivedString ?? ""
    }
}

@available(*, unavailable)
extension ProxyFixture: Sendable {}

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
