import NIOCore
import Relay
import RelayTestKit
import TCPProxy
import Testing

/// A read filter in front of tcp_proxy: when tcp_proxy connects and reads, what the filter in
/// front sees, and that no byte or FIN is stranded (issue 11 §1).
@Suite struct TCPProxyFilterInFrontTests {
    /// A filter in front whose answers the test scripts; records what it saw.
    final class FrontFilter: ReadFilter {
        var callbacks: (any ReadFilterCallbacks)!
        var onNewConnectionStatus: FilterStatus = .continue
        var onDataBody: (inout ByteBuffer, Bool) -> FilterStatus = { _, _ in .continue }
        private(set) var seen: [(data: String, endStream: Bool)] = []
        private(set) var readyHosts: [HostDescription] = []

        func initialize(callbacks: any ReadFilterCallbacks) {
            self.callbacks = callbacks
        }

        func onNewConnection() -> FilterStatus {
            onNewConnectionStatus
        }

        func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
            seen.append((String(buffer: data), endStream))
            return onDataBody(&data, endStream)
        }

        func onUpstreamReady(host: HostDescription) {
            readyHosts.append(host)
        }
    }

    struct Chain {
        let clusters: FakeClusterManager
        let front: FrontFilter
        let harness: FilterHarness

        init(
            config: String = "stat_prefix: front\ncluster: backend",
            bufferLimit: Int = 1 << 20,
            setUp: (FrontFilter, NetworkConnection) throws -> Void = { _, _ in }
        ) throws {
            let clusters = FakeClusterManager(clusterNames: ["backend", "other"])
            let prepared = try TCPProxyFilter.Factory().prepare(yaml: config, context: .testing(clusterManager: clusters))
            let front = FrontFilter()
            var failure: (any Error)?
            harness = FilterHarness(bufferLimit: bufferLimit, recordForwarded: false) { chain in
                do { try setUp(front, chain.connection) } catch { failure = error }
                chain.addReadFilter(front)
                TCPProxyFilter.Factory().makeFilters(prepared, into: &chain)
            }
            if let failure { throw failure }
            self.clusters = clusters
            self.front = front
        }

        var backend: FakeCluster { clusters["backend"] }
    }

    // MARK: - Starving (regression)

    @Test func aFilterThatStopsInOnNewConnectionStillReadsAndThenRoutes() throws {
        let chain = try Chain { front, _ in front.onNewConnectionStatus = .stopIteration }
        // tcp_proxy has not run yet, so reading must still be on.
        #expect(chain.harness.transport.isReadEnabled)
        #expect(chain.backend.connectCalls == 0)
        chain.front.onDataBody = { data, _ in
            guard data.readableBytes >= 4 else { return .stopIteration }
            try? chain.harness.connection.filterState.set(.tcpProxyCluster, "other")
            return .continue
        }
        chain.harness.receive("ab")
        #expect(chain.front.seen.map(\.data) == ["ab"])
        chain.harness.receive("cd-rest")
        #expect(chain.front.seen.map(\.data) == ["ab", "abcd-rest"])
        #expect(chain.clusters["other"].connectCalls == 1)
        #expect(chain.backend.connectCalls == 0)
        let upstream = try chain.harness.completeUpstreamConnect(chain.clusters["other"])
        #expect(upstream.receivedString == "abcd-rest")
    }

    // MARK: - End of stream stranded (regression)

    @Test func finHandedOnByContinueReadingWhileConnectingReachesTheUpstream() throws {
        // The filter in front continues at once, so tcp_proxy connects with reading disabled;
        // then it calls continueReading() (say after an async check) while bytes and a FIN wait.
        let chain = try Chain()
        #expect(chain.harness.transport.isReadEnabled == false)
        chain.harness.receive("abc")
        chain.harness.receiveEndOfStream()
        chain.front.callbacks.continueReading()
        let upstream = try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(upstream.receivedString == "abc")
        #expect(upstream.receivedEndOfStream)
        upstream.sendEndOfStream()
        chain.harness.drain()
        #expect(chain.harness.connection.state == .closed)
    }

    @Test func finSeenByAStoppedFilterBeforeItContinuesReachesTheUpstream() throws {
        // The FIN is delivered by the connection while the filter in front has stopped; it
        // resumes later with continueReading(), which first initializes tcp_proxy.
        let chain = try Chain { front, _ in front.onNewConnectionStatus = .stopIteration }
        var release = false
        chain.front.onDataBody = { _, _ in release ? .continue : .stopIteration }
        chain.harness.receive("xy")
        chain.harness.receiveEndOfStream()
        #expect(chain.front.seen.last?.endStream == true)
        release = true
        chain.front.callbacks.continueReading()
        let upstream = try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(upstream.receivedString == "xy")
        #expect(upstream.receivedEndOfStream)
    }

    @Test func finWhileReadDisabledDuringConnectIsDeliveredOnce() throws {
        let chain = try Chain()
        chain.harness.receive("q")
        chain.harness.receiveEndOfStream()
        let upstream = try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(upstream.receivedString == "q")
        #expect(upstream.receivedEndOfStream)
        #expect(chain.front.seen.filter(\.endStream).count == 1)
    }

    // MARK: - receive_before_connect

    @Test func receiveBeforeConnectKeepsReadingUpToTheBufferLimitThenPushesBack() throws {
        let chain = try Chain(bufferLimit: 16) { _, connection in
            try connection.filterState.set(.tcpProxyReceiveBeforeConnect, true)
        }
        #expect(chain.harness.transport.isReadEnabled)
        chain.harness.receive("0123456789")
        #expect(chain.harness.transport.isReadEnabled)
        #expect(chain.front.seen.map(\.data) == ["0123456789"])
        chain.harness.receive("abcdefghij")
        // 20 bytes held ≥ 16: backpressure until the upstream is ready.
        #expect(chain.harness.transport.isReadEnabled == false)
        chain.harness.receive("KLM")
        chain.harness.receiveEndOfStream()
        let upstream = try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(chain.harness.transport.isReadEnabled)
        #expect(upstream.receivedString == "0123456789abcdefghijKLM")
        #expect(upstream.receivedEndOfStream)
    }

    @Test func maxEarlyDataBytesEnablesReceiveBeforeConnectWithItsOwnLimit() throws {
        let chain = try Chain(config: "stat_prefix: front\ncluster: backend\nmax_early_data_bytes: 4")
        #expect(chain.harness.transport.isReadEnabled)
        chain.harness.receive("ab")
        #expect(chain.harness.transport.isReadEnabled)
        chain.harness.receive("cd")
        #expect(chain.harness.transport.isReadEnabled == false)
        let upstream = try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(upstream.receivedString == "abcd")
        #expect(chain.harness.transport.isReadEnabled)
    }

    @Test func withoutReceiveBeforeConnectReadingWaitsForTheUpstream() throws {
        let chain = try Chain()
        #expect(chain.harness.transport.isReadEnabled == false)
        chain.harness.receive("early")
        #expect(chain.front.seen.isEmpty)
        let upstream = try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(upstream.receivedString == "early")
        #expect(chain.front.seen.map(\.data) == ["early"])
    }

    // MARK: - Upstream ready signal

    @Test func filtersInFrontHearWhenTheUpstreamIsReady() throws {
        let chain = try Chain()
        #expect(chain.front.readyHosts.isEmpty)
        try chain.harness.completeUpstreamConnect(chain.backend)
        #expect(chain.front.readyHosts.count == 1)
        #expect(chain.front.readyHosts.first === chain.backend.host)
        #expect(chain.front.callbacks.upstreamHost === chain.backend.host)
    }

    @Test func aFailedConnectIsNotAnUpstreamReady() throws {
        let chain = try Chain()
        try chain.harness.failUpstreamConnect(chain.backend)
        #expect(chain.front.readyHosts.isEmpty)
        #expect(chain.harness.connection.state == .closed)
    }
}
