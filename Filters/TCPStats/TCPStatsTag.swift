/// One label of an Istio TCP metric: a tag name and its value (`reporter="destination"`).
///
/// The order of a metric's tags is significant: Envoy writes them in vector order, both in the
/// flat `/stats` name and in the Prometheus exposition.
public struct TCPStatsTag: Hashable, Sendable, CustomStringConvertible {
    /// The tag (label) name, e.g. `source_workload`.
    public var name: String
    /// The tag value, e.g. `productpage-v1`. May be empty (local values are used as-is).
    public var value: String

    /// Creates a tag.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `name=value`, for diagnostics.
    public var description: String { "\(name)=\(value)" }
}
