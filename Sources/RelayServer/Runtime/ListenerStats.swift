import Relay

/// Envoy's `listener.<address>.*` stats.
final class ListenerStats: Sendable {
    let scope: StatsScope
    let connectionsTotal: Counter
    let connectionsDestroyed: Counter
    let connectionsActive: Gauge
    let preConnectionsActive: Gauge
    let preConnectionTimeouts: Counter
    let noFilterChainMatch: Counter
    let listenerFilterRemoteClose: Counter
    let listenerFilterError: Counter
    let transportSocketConnectTimeouts: Counter
    /// Accepts that failed because the process ran out of file descriptors.
    let globalConnectionOverflow: Counter
    let connectionLengthMs: Histogram

    init(scope: StatsScope) {
        self.scope = scope
        connectionsTotal = scope.counter("downstream_cx_total")
        connectionsDestroyed = scope.counter("downstream_cx_destroy")
        connectionsActive = scope.gauge("downstream_cx_active")
        preConnectionsActive = scope.gauge("downstream_pre_cx_active")
        preConnectionTimeouts = scope.counter("downstream_pre_cx_timeout")
        noFilterChainMatch = scope.counter("no_filter_chain_match")
        listenerFilterRemoteClose = scope.counter("downstream_listener_filter_remote_close")
        listenerFilterError = scope.counter("downstream_listener_filter_error")
        transportSocketConnectTimeouts = scope.counter("downstream_cx_transport_socket_connect_timeout")
        globalConnectionOverflow = scope.counter("downstream_global_cx_overflow")
        connectionLengthMs = scope.histogram("downstream_cx_length_ms")
    }
}
