import NIOCore

/// The immutable facts about an upstream cluster that filters need.
public final class ClusterInfo: Sendable {
    /// The cluster's name.
    public let name: String
    /// `alt_stat_name`, or the name.
    public let observabilityName: String
    /// `connect_timeout`.
    public let connectTimeout: TimeAmount
    /// `per_connection_buffer_limit_bytes` for upstream connections.
    public let perConnectionBufferLimit: Int
    /// `metadata.filter_metadata`, by filter namespace (e.g. `envoy.lb` → `{canary: true}`).
    public let metadata: [String: MetadataValue]
    /// `circuit_breakers` default-priority `max_connections`.
    public let maxConnections: Int
    /// The cluster's stats, rooted at `cluster.<name>.`.
    public let stats: ClusterStats

    /// Creates cluster info.
    public init(
        name: String,
        observabilityName: String? = nil,
        connectTimeout: TimeAmount = .seconds(5),
        perConnectionBufferLimit: Int = 1 << 20,
        metadata: [String: MetadataValue] = [:],
        maxConnections: Int = 1024,
        stats: ClusterStats
    ) {
        self.name = name
        self.observabilityName = observabilityName ?? name
        self.connectTimeout = connectTimeout
        self.perConnectionBufferLimit = perConnectionBufferLimit
        self.metadata = metadata
        self.maxConnections = maxConnections
        self.stats = stats
    }
}

/// Envoy's `cluster.<name>.*` traffic stats that L4 proxying updates.
public final class ClusterStats: Sendable {
    public let upstreamConnectionsTotal: Counter
    public let upstreamConnectionsActive: Gauge
    public let upstreamConnectFailures: Counter
    public let upstreamConnectTimeouts: Counter
    public let upstreamConnectAttemptsExceeded: Counter
    public let upstreamOverflow: Counter
    public let upstreamNoneHealthy: Counter
    public let upstreamDestroy: Counter
    public let upstreamDestroyLocal: Counter
    public let upstreamDestroyRemote: Counter
    public let upstreamRxBytesTotal: Counter
    public let upstreamTxBytesTotal: Counter
    public let upstreamFlowControlPausedReading: Counter
    public let upstreamFlowControlResumedReading: Counter
    public let upstreamFlowControlBackedUp: Counter
    public let upstreamFlowControlDrained: Counter
    public let upstreamConnectMs: Histogram
    public let upstreamLengthMs: Histogram
    public let membershipTotal: Gauge
    public let membershipHealthy: Gauge
    public let circuitBreakerOpen: Gauge
    /// The `cluster.<name>.` scope, for stats other modules add (TLS: `ssl.*`).
    public let scope: StatsScope

    /// Creates the stats in `scope` (normally `cluster.<name>.` with the name extracted).
    public init(scope: StatsScope) {
        self.scope = scope
        upstreamConnectionsTotal = scope.counter("upstream_cx_total")
        upstreamConnectionsActive = scope.gauge("upstream_cx_active")
        upstreamConnectFailures = scope.counter("upstream_cx_connect_fail")
        upstreamConnectTimeouts = scope.counter("upstream_cx_connect_timeout")
        upstreamConnectAttemptsExceeded = scope.counter("upstream_cx_connect_attempts_exceeded")
        upstreamOverflow = scope.counter("upstream_cx_overflow")
        upstreamNoneHealthy = scope.counter("upstream_cx_none_healthy")
        upstreamDestroy = scope.counter("upstream_cx_destroy")
        upstreamDestroyLocal = scope.counter("upstream_cx_destroy_local")
        upstreamDestroyRemote = scope.counter("upstream_cx_destroy_remote")
        upstreamRxBytesTotal = scope.counter("upstream_cx_rx_bytes_total")
        upstreamTxBytesTotal = scope.counter("upstream_cx_tx_bytes_total")
        upstreamFlowControlPausedReading = scope.counter("upstream_flow_control_paused_reading_total")
        upstreamFlowControlResumedReading = scope.counter("upstream_flow_control_resumed_reading_total")
        upstreamFlowControlBackedUp = scope.counter("upstream_flow_control_backed_up_total")
        upstreamFlowControlDrained = scope.counter("upstream_flow_control_drained_total")
        upstreamConnectMs = scope.histogram("upstream_cx_connect_ms")
        upstreamLengthMs = scope.histogram("upstream_cx_length_ms")
        membershipTotal = scope.gauge("membership_total")
        membershipHealthy = scope.gauge("membership_healthy")
        circuitBreakerOpen = scope.scope("circuit_breakers").scope("default").gauge("cx_open")
    }
}
