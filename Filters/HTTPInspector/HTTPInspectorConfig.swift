/// `envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`: the message has no
/// fields (any field written under it is an unknown-field error).
public struct HTTPInspectorConfig: Sendable, Hashable, Decodable {
    /// Creates the (empty) configuration.
    public init() {}

    /// A key type with no keys: every field present is unknown.
    private struct NoFields: CodingKey {
        var stringValue: String { "" }
        var intValue: Int? { nil }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }

    /// Decodes the empty message; opening a keyed container lets the config decoder report
    /// any field as unknown.
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoFields.self)
    }
}
