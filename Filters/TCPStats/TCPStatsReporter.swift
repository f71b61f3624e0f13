import IstioPeer
import Relay

/// Which side of the connection reports the metrics: the value of the `reporter` label.
///
/// Chosen once per filter chain from the config's `reporter` and the listener's traffic
/// direction (``init(configured:direction:)``), exactly as Istio's stats filter does.
public enum TCPStatsReporter: String, Hashable, Sendable, CaseIterable {
    /// Server sidecar (inbound listener): the downstream peer is the source.
    case destination
    /// Client sidecar or gateway (outbound or unspecified listener): the upstream peer is the
    /// destination.
    case source
    /// Waypoint (`reporter: SERVER_GATEWAY`): source from the downstream peer, destination
    /// from the upstream peer.
    case waypoint

    /// The traffic direction of the listener the filter sits on (Envoy's
    /// `Listener.traffic_direction`).
    public enum ListenerDirection: String, Hashable, Sendable {
        /// `UNSPECIFIED` (the default).
        case unspecified = "UNSPECIFIED"
        /// `INBOUND`.
        case inbound = "INBOUND"
        /// `OUTBOUND`.
        case outbound = "OUTBOUND"
    }

    /// The reporter for a configured `reporter` and a listener direction:
    /// `SERVER_GATEWAY` → waypoint; otherwise INBOUND → destination, and OUTBOUND or
    /// unspecified → source.
    public init(configured: TCPStatsConfig.Reporter, direction: ListenerDirection) {
        switch (configured, direction) {
        case (.serverGateway, _): self = .waypoint
        case (.unspecified, .inbound): self = .destination
        case (.unspecified, .outbound), (.unspecified, .unspecified): self = .source
        }
    }

    /// The filter-state key whose presence means "peer resolved" for this reporter
    /// (Istio's `peerInfoRead`): the downstream peer for destination and waypoint, the upstream
    /// peer (read from the upstream connection's filter state) for source. Either a found peer
    /// or a not-found marker counts as resolved.
    public var peerKey: FilterStateKey<PeerLookup> {
        switch self {
        case .destination, .waypoint: .downstreamPeer
        case .source: .upstreamPeer
        }
    }
}
