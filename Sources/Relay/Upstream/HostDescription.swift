import NIOCore

/// An upstream host: one endpoint of a cluster.
public final class HostDescription: Sendable {
    /// The host's address.
    public let address: SocketAddress
    /// The endpoint's `hostname`, or the DNS name it was resolved from.
    public let hostname: String
    /// The cluster the host belongs to.
    public let clusterName: String
    /// The endpoint's `metadata.filter_metadata`, by filter namespace.
    public let metadata: [String: MetadataValue]
    /// The endpoint's load-balancing weight.
    public let weight: Int
    /// Per-host counters.
    public let stats: HostStats

    /// Creates a host.
    public init(
        address: SocketAddress,
        hostname: String = "",
        clusterName: String,
        metadata: [String: MetadataValue] = [:],
        weight: Int = 1,
        stats: HostStats = HostStats()
    ) {
        self.address = address
        self.hostname = hostname
        self.clusterName = clusterName
        self.metadata = metadata
        self.weight = weight
        self.stats = stats
    }

    /// `ip:port`, as Envoy prints hosts.
    public var addressString: String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}

/// Lock-free per-host counters (Envoy's host stats in `/clusters`).
public final class HostStats: Sendable {
    /// Connections made to the host.
    public let connectionsTotal = Counter(name: StatName("cx_total"))
    /// Connections open now.
    public let connectionsActive = Gauge(name: StatName("cx_active"))
    /// Failed connection attempts.
    public let connectFailures = Counter(name: StatName("cx_connect_fail"))

    /// Creates zeroed host stats.
    public init() {}
}
