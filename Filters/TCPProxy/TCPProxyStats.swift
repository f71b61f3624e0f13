import Relay

/// Envoy's `tcp.<stat_prefix>.*` stats, created once per filter config.
public struct TCPProxyStats: Sendable {
    public let downstreamConnectionsTotal: Counter
    public let downstreamNoRoute: Counter
    public let downstreamTxBytesTotal: Counter
    public let downstreamRxBytesTotal: Counter
    public let downstreamFlowControlPausedReading: Counter
    public let downstreamFlowControlResumedReading: Counter
    public let idleTimeout: Counter
    public let maxDownstreamConnectionDuration: Counter
    public let upstreamFlushTotal: Counter
    public let downstreamTxBytesBuffered: Gauge
    public let downstreamRxBytesBuffered: Gauge
    public let upstreamFlushActive: Gauge

    /// Creates the stats under `tcp.<statPrefix>.` with the prefix extracted as
    /// `envoy.tcp_prefix`.
    public init(stats: StatsStore, statPrefix: String) {
        let scope = stats.root.scope("tcp").scope(statPrefix)
        downstreamConnectionsTotal = scope.counter("downstream_cx_total")
        downstreamNoRoute = scope.counter("downstream_cx_no_route")
        downstreamTxBytesTotal = scope.counter("downstream_cx_tx_bytes_total")
        downstreamRxBytesTotal = scope.counter("downstream_cx_rx_bytes_total")
        downstreamFlowControlPausedReading = scope.counter("downstream_flow_control_paused_reading_total")
        downstreamFlowControlResumedReading = scope.counter("downstream_flow_control_resumed_reading_total")
        idleTimeout = scope.counter("idle_timeout")
        maxDownstreamConnectionDuration = scope.counter("max_downstream_connection_duration")
        upstreamFlushTotal = scope.counter("upstream_flush_total")
        downstreamTxBytesBuffered = scope.gauge("downstream_cx_tx_bytes_buffered")
        downstreamRxBytesBuffered = scope.gauge("downstream_cx_rx_bytes_buffered")
        upstreamFlushActive = scope.gauge("upstream_flush_active")
    }
}
