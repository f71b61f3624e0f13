import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything known about one downstream connection's proxying, for filters, stats and access
/// logs (Envoy's L4 `StreamInfo`). One per connection, created at accept.
///
/// - Note: Confined to the connection's event loop.
public final class StreamInfo {
    /// When the connection was accepted (monotonic, for durations).
    public let startTime: NIODeadline
    /// When the connection was accepted (wall clock, for logs).
    public let startWallTime: ContinuousClock.Instant
    /// Seconds since the Unix epoch at accept, for access logs.
    public let startEpochSeconds: Double
    /// Application bytes received from the downstream (counted by the terminal filter,
    /// after any filter consumed protocol framing and after TLS).
    public var bytesReceived: UInt64 = 0
    /// Application bytes sent to the downstream.
    public var bytesSent: UInt64 = 0
    /// Envoy response flags set so far.
    public var responseFlags: ResponseFlags = []
    /// Why the proxy ended or refused the connection (`filter_chain_not_found`, …).
    public var responseCodeDetails: String?
    /// Why the connection ended, when a filter knows.
    public var connectionTerminationDetails: String?
    /// The upstream host chosen by the terminal filter.
    public var upstreamHost: HostDescription?
    /// The upstream cluster, once chosen.
    public var upstreamCluster: ClusterInfo?
    /// The upstream connection's local address.
    public var upstreamLocalAddress: SocketAddress?
    /// The upstream connection's TLS, if it has TLS.
    public var upstreamTLS: TLSConnectionInfo? {
        get { upstreamTLSBox?.info }
        set { upstreamTLSBox = newValue.map(TLSConnectionInfoBox.init) }
    }
    private var upstreamTLSBox: TLSConnectionInfoBox?
    /// The upstream connection's filter state (Envoy's `upstreamInfo().upstreamFilterState()`),
    /// set when the terminal filter connects upstream.
    public var upstreamFilterState: FilterState?
    /// The SNI the client sent, as the listener filters saw it.
    public var requestedServerName: String = ""
    /// The name of the filter chain that was selected.
    public var filterChainName: String = ""
    /// Per-connection filter state.
    public let filterState: FilterState

    /// Creates a stream info stamped with the current time of `now`.
    public init(startTime: NIODeadline, filterState: FilterState = FilterState()) {
        self.startTime = startTime
        self.startWallTime = .now
        self.startEpochSeconds = Double(DispatchWallClock.nowNanoseconds()) / 1e9
        self.filterState = filterState
    }
}

@available(*, unavailable)
extension StreamInfo: Sendable {}

/// Wall-clock reading without Foundation.
enum DispatchWallClock {
    static func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
