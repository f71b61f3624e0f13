/// The first entry of an upstream cluster's `metadata.filter_metadata.istio.services` list,
/// which istiod writes on every service cluster
/// (`{host: ratings.default.svc.cluster.local, name: ratings, namespace: default}`).
///
/// A field is `nil` when the entry does not have it; the distinction matters because a missing
/// `name` falls back to the host's first label while an empty `name` stays empty.
public struct TCPStatsServiceMetadata: Hashable, Sendable {
    /// `host`: the service's FQDN.
    public var host: String?
    /// `name`: the service's short name.
    public var name: String?
    /// `namespace`: the service's namespace.
    public var namespace: String?

    /// Creates service metadata.
    public init(host: String? = nil, name: String? = nil, namespace: String? = nil) {
        self.host = host
        self.name = name
        self.namespace = namespace
    }
}
