import IstioPeer
import NIOCore
import Relay

/// Everything the 23 standard Istio TCP labels (and the supported custom dimension
/// attributes) are computed from. The filter fills one in at a connection's first report.
///
/// Which fields matter depends on ``reporter``:
/// - `destination` (server sidecar): ``downstreamPeer``, ``downstreamTLS``, the upstream
///   cluster's service metadata, the local node;
/// - `source` (client sidecar): ``upstreamPeer`` (from the upstream connection's filter state),
///   ``upstreamEndpointWorkload`` as the fallback when there is no peer, ``upstreamTLS``, the
///   service metadata, the local node;
/// - `waypoint`: ``downstreamPeer`` and ``downstreamTLS`` for the source, ``upstreamPeer`` for
///   the destination, and the service metadata.
public struct TCPStatsLabelInput: Sendable {
    /// Which side reports (the `reporter` label, and the derivation rules).
    public var reporter: TCPStatsReporter
    /// The local workload, from the bootstrap node metadata (`WORKLOAD_NAME`, `NAMESPACE`,
    /// `CLUSTER_ID`, `LABELS`). Its values are used as-is, even when empty.
    public var localNode: WorkloadMetadata
    /// Other string-valued node metadata (`ISTIO_VERSION`, `MESH_ID`, …), for the dimension
    /// attribute `node.metadata['KEY']`. Keys here take precedence over ``localNode``.
    public var localNodeMetadata: [String: String]
    /// The downstream peer (`downstream_peer`), or `nil` if nothing was published yet.
    public var downstreamPeer: PeerLookup?
    /// The upstream peer (`upstream_peer`) in the upstream connection's filter state, or `nil`
    /// if nothing was published yet.
    public var upstreamPeer: PeerLookup?
    /// `upstream_peer` in the downstream connection's own filter state (CEL
    /// `filter_state.upstream_peer`); normally absent, as the upstream exchange publishes on the
    /// upstream connection.
    public var filterStateUpstreamPeer: PeerLookup?
    /// The downstream connection's TLS identities, or `nil` for plaintext.
    public var downstreamTLS: TCPStatsTLSIdentity?
    /// The upstream connection's TLS identities, or `nil` for plaintext (or no upstream).
    public var upstreamTLS: TCPStatsTLSIdentity?
    /// The name of the upstream cluster tcp_proxy chose, if any.
    public var upstreamClusterName: String?
    /// The cluster's `filter_metadata.istio.services[0]`, if present.
    public var upstreamService: TCPStatsServiceMetadata?
    /// The upstream host's endpoint metadata `filter_metadata.istio.workload`
    /// (`workload;namespace;canonical_service;canonical_revision;cluster_id`), if present.
    public var upstreamEndpointWorkload: String?
    /// Envoy's short response flags of the connection (`-` if none, else e.g. `UF,URX`).
    public var responseFlags: String
    /// The downstream peer's address (`source.address` / `source.port`).
    public var downstreamRemoteAddress: SocketAddress?
    /// The address the downstream connected to (`destination.address` / `destination.port`).
    public var downstreamLocalAddress: SocketAddress?
    /// The upstream host's address (`upstream.address` / `upstream.port`).
    public var upstreamHostAddress: SocketAddress?
    /// The SNI the downstream requested (`connection.requested_server_name`), empty if none.
    public var requestedServerName: String

    /// Creates an input; everything but the reporter and local node defaults to "absent".
    public init(
        reporter: TCPStatsReporter,
        localNode: WorkloadMetadata,
        localNodeMetadata: [String: String] = [:],
        downstreamPeer: PeerLookup? = nil,
        upstreamPeer: PeerLookup? = nil,
        downstreamTLS: TCPStatsTLSIdentity? = nil,
        upstreamTLS: TCPStatsTLSIdentity? = nil,
        upstreamClusterName: String? = nil,
        upstreamService: TCPStatsServiceMetadata? = nil,
        upstreamEndpointWorkload: String? = nil,
        responseFlags: String = "-",
        downstreamRemoteAddress: SocketAddress? = nil,
        downstreamLocalAddress: SocketAddress? = nil,
        upstreamHostAddress: SocketAddress? = nil,
        requestedServerName: String = "",
        filterStateUpstreamPeer: PeerLookup? = nil
    ) {
        self.filterStateUpstreamPeer = filterStateUpstreamPeer
        self.reporter = reporter
        self.localNode = localNode
        self.localNodeMetadata = localNodeMetadata
        self.downstreamPeer = downstreamPeer
        self.upstreamPeer = upstreamPeer
        self.downstreamTLS = downstreamTLS
        self.upstreamTLS = upstreamTLS
        self.upstreamClusterName = upstreamClusterName
        self.upstreamService = upstreamService
        self.upstreamEndpointWorkload = upstreamEndpointWorkload
        self.responseFlags = responseFlags
        self.downstreamRemoteAddress = downstreamRemoteAddress
        self.downstreamLocalAddress = downstreamLocalAddress
        self.upstreamHostAddress = upstreamHostAddress
        self.requestedServerName = requestedServerName
    }
}
