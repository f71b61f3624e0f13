/// Envoy's `--service-node`, `--service-cluster` and `--service-zone`: when set (non-empty),
/// they replace the bootstrap's `node.id`, `node.cluster` and `node.locality.zone` everywhere
/// the node is used (`/server_info`, filters reading the local node, Istio's peer metadata).
public struct NodeOverrides: Sendable, Hashable {
    /// `--service-node`: replaces `node.id`.
    public var id: String?
    /// `--service-cluster`: replaces `node.cluster`.
    public var cluster: String?
    /// `--service-zone`: replaces `node.locality.zone`.
    public var zone: String?

    /// Overrides; `nil` or empty leaves the bootstrap's value.
    public init(id: String? = nil, cluster: String? = nil, zone: String? = nil) {
        self.id = id
        self.cluster = cluster
        self.zone = zone
    }
}
