/// One increment a connection report asks for, before labels are applied.
public enum TCPStatsEvent: Hashable, Sendable {
    /// `istio_tcp_connections_opened_total` += 1.
    case opened
    /// `istio_tcp_sent_bytes_total` += delta (may be 0: the series is still created, as in Envoy).
    case sentBytes(UInt64)
    /// `istio_tcp_received_bytes_total` += delta (may be 0).
    case receivedBytes(UInt64)
    /// `istio_tcp_connections_closed_total` += 1.
    case closed

    /// The metric this event increments.
    public var metric: TCPStatsMetric {
        switch self {
        case .opened: .connectionsOpened
        case .sentBytes: .sentBytes
        case .receivedBytes: .receivedBytes
        case .closed: .connectionsClosed
        }
    }

    /// The amount to add.
    public var amount: UInt64 {
        switch self {
        case .opened, .closed: 1
        case .sentBytes(let delta), .receivedBytes(let delta): delta
        }
    }
}
