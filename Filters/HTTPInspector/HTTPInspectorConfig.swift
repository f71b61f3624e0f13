/// `envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`: the message has no
/// fields (any field written under it is an unknown-field error).
public struct HTTPInspectorConfig: Sendable, Hashable, Decodable {
    /// Creates the (empty) configuration.
    public init() {}
}
