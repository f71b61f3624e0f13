/// Decodes ``ConfigNode`` trees into plain `Decodable` types with Envoy's protobuf-JSON rules:
///
/// - keys match a `CodingKey`'s snake_case `stringValue` or its lowerCamelCase form
///   (`port_value` / `portValue`);
/// - a YAML null means "unset": `decodeIfPresent` returns nil (a null where a message is
///   required decodes as an empty mapping, where a list is required as an empty list);
/// - a single mapping or scalar where a list is expected is a one-element list;
/// - integers may be quoted strings; booleans are `true`/`false`; enums (``ConfigEnum``) by
///   name or number; durations (``ConfigDuration``) as `"1.5s"`;
/// - **unknown fields are errors**: after a type's `init(from:)` returns, every key of its
///   mapping that the type never looked at is reported at that key's mark as
///   `unknown field 'foo' in <type>` (the type's ``ConfigTypeNaming/configTypeName`` or its
///   Swift name).
///
/// Every error thrown is a ``ConfigError``; `DecodingError`s and other errors thrown by
/// `init(from:)` implementations are converted, using the mark of the node being decoded.
/// Decodable code can reach the marks through ``Swift/Decoder/configMark``,
/// ``Swift/Decoder/configNode`` and ``Marked``.
public struct ConfigDecoder: Sendable {
    /// Values made available to `init(from:)` implementations as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates a decoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Decodes `type` from `node`.
    /// - Throws: ``ConfigError``.
    public func decode<T: Decodable>(_ type: T.Type, from node: ConfigNode) throws -> T {
        try NodeDecoder.decode(type, from: node, codingPath: [], keyMark: nil, options: self)
    }

    /// Decodes `type` from `node`, naming it `messageName` in errors about its own fields (an
    /// extension's config is named by its protobuf message, e.g.
    /// `envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, not by its Swift type).
    /// - Throws: ``ConfigError``.
    public func decode<T: Decodable>(_ type: T.Type, from node: ConfigNode, messageName: String) throws -> T {
        try NodeDecoder.decode(type, from: node, codingPath: [], keyMark: nil, options: self, typeName: messageName)
    }

    /// Parses `yaml` (marks name `fileName`) and decodes `type` from it.
    /// - Throws: ``ConfigError``.
    public func decode<T: Decodable>(_ type: T.Type, yaml: String, fileName: String) throws -> T {
        try decode(type, from: ConfigNode.parse(yaml: yaml, fileName: fileName))
    }
}
