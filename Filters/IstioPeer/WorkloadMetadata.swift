import Relay

/// The normalised description of a workload that Istio's peer-metadata model carries
/// (Istio's `WorkloadMetadataObject`).
///
/// The metadata-exchange filter builds one from the local node (to send) and from the peer's
/// frame (to publish); the TCP-stats filter reads it to label metrics. It lives in this small
/// module, which both of them import, so that those two filter modules never import each other.
public struct WorkloadMetadata: Sendable, Hashable {
    /// The kind of workload that owns the pod, as found in Istio's `OWNER` field.
    public enum OwnerType: String, Sendable, Hashable {
        case pod, deployment, job, cronjob
    }

    /// Pod name (`NAME`).
    public var name: String
    /// Kubernetes namespace (`NAMESPACE`).
    public var namespace: String
    /// Workload name (`WORKLOAD_NAME`), e.g. `ratings-v2`.
    public var workloadName: String
    /// Cluster id (`CLUSTER_ID`).
    public var clusterID: String
    /// SPIFFE identity (`IDENTITY`).
    public var identity: String
    /// `service.istio.io/canonical-name`.
    public var canonicalName: String
    /// `service.istio.io/canonical-revision`.
    public var canonicalRevision: String
    /// `app` (or `app.kubernetes.io/name`, which takes precedence on read).
    public var app: String
    /// `version` (or `app.kubernetes.io/version`, which takes precedence on read).
    public var version: String
    /// The owning workload's kind, when `OWNER` named a supported kind.
    public var ownerType: OwnerType?
    /// Node locality region (`REGION`).
    public var region: String
    /// Node locality zone (`AVAILABILITY_ZONE`).
    public var availabilityZone: String
    /// Labels named in `additional_labels`, kept beside the four special ones.
    public var additionalLabels: [String: String]

    /// Creates a workload description; every field defaults to empty.
    public init(
        name: String = "",
        namespace: String = "",
        workloadName: String = "",
        clusterID: String = "",
        identity: String = "",
        canonicalName: String = "",
        canonicalRevision: String = "",
        app: String = "",
        version: String = "",
        ownerType: OwnerType? = nil,
        region: String = "",
        availabilityZone: String = "",
        additionalLabels: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.workloadName = workloadName
        self.clusterID = clusterID
        self.identity = identity
        self.canonicalName = canonicalName
        self.canonicalRevision = canonicalRevision
        self.app = app
        self.version = version
        self.ownerType = ownerType
        self.region = region
        self.availabilityZone = availabilityZone
        self.additionalLabels = additionalLabels
    }
}

/// Why a connection has no peer metadata. Relay exports this explicitly (Istio only says
/// `peer_not_found`).
public enum PeerNotFoundReason: String, Sendable, Hashable, CaseIterable {
    /// The negotiated ALPN was not the metadata-exchange protocol (plaintext included).
    case alpnNotNegotiated = "alpn_not_negotiated"
    /// The peer negotiated the ALPN but its first bytes were not the exchange magic.
    case magicMismatch = "magic_mismatch"
    /// The payload was not a `google.protobuf.Any` holding a `Struct`.
    case parseFailure = "parse_failure"
    /// The advertised payload length exceeded Relay's limit.
    case payloadTooLarge = "payload_too_large"
    /// The stream ended before the whole frame arrived.
    case closedEarly = "closed_early"
    /// The frame parsed but carried no `x-envoy-peer-metadata`.
    case noMetadata = "no_metadata"
}

/// The outcome of peer discovery, as published in filter state.
public enum PeerLookup: Sendable, Hashable {
    /// The peer sent (or discovery found) its metadata.
    case found(WorkloadMetadata)
    /// No peer metadata, and why.
    case notFound(PeerNotFoundReason)

    /// The peer's metadata, if found.
    public var metadata: WorkloadMetadata? {
        if case .found(let metadata) = self { return metadata }
        return nil
    }
}

extension FilterStateKey where Value == PeerLookup {
    /// The downstream peer, published by the downstream metadata-exchange filter on the
    /// downstream connection (Istio: `downstream_peer` / `downstream_peer_obj`).
    public static var downstreamPeer: FilterStateKey<PeerLookup> { .init("downstream_peer") }

    /// The upstream peer, published by the upstream metadata-exchange filter on the upstream
    /// connection (Istio: `upstream_peer` / `upstream_peer_obj`). The downstream side reaches it
    /// through `StreamInfo.upstreamFilterState`.
    public static var upstreamPeer: FilterStateKey<PeerLookup> { .init("upstream_peer") }
}
