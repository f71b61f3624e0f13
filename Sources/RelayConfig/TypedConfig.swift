/// A `typed_config` (`google.protobuf.Any`) field: the `"@type"` URL plus the message's
/// fields as a node, to be resolved later by a registry keyed by type URL.
///
/// `udpa.type.v1.TypedStruct` and `xds.type.v3.TypedStruct` wrappers (`{type_url, value}`)
/// are unwrapped: ``typeURL`` is then the inner `type_url` and ``value`` the inner `value`
/// mapping, and ``wrapperTypeURL`` records the wrapper. Type URLs written without a host
/// (`envoy.extensions….TcpProxy`) get `type.googleapis.com/` (see ``normalizedTypeURL(_:)``).
public struct TypedConfig: Sendable, Hashable, Decodable {
    /// `type.googleapis.com/udpa.type.v1.TypedStruct`.
    public static let udpaTypedStructURL = "type.googleapis.com/udpa.type.v1.TypedStruct"
    /// `type.googleapis.com/xds.type.v3.TypedStruct`.
    public static let xdsTypedStructURL = "type.googleapis.com/xds.type.v3.TypedStruct"

    /// The message type URL, e.g. `type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`.
    public var typeURL: String
    /// The message fields: a mapping without the `@type` key (empty mapping when there are
    /// no fields).
    public var value: ConfigNode
    /// Where the `typed_config` mapping starts.
    public var mark: Mark
    /// Where the type URL is written (the `@type` value, or the inner `type_url` value).
    public var typeURLMark: Mark
    /// The wrapper's type URL when the config came wrapped in a TypedStruct.
    public var wrapperTypeURL: String?

    /// Creates a typed config directly.
    public init(typeURL: String, value: ConfigNode, mark: Mark, typeURLMark: Mark? = nil, wrapperTypeURL: String? = nil)
    {
        self.typeURL = typeURL
        self.value = value
        self.mark = mark
        self.typeURLMark = typeURLMark ?? mark
        self.wrapperTypeURL = wrapperTypeURL
    }

    /// The type URL prefix Envoy's type URLs carry.
    public static let typeURLPrefix = "type.googleapis.com/"

    /// `url` with ``typeURLPrefix`` added when it has no `/` at all (Envoy and Istio accept
    /// a bare message name such as `envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`).
    public static func normalizedTypeURL(_ url: String) -> String {
        url.contains("/") ? url : typeURLPrefix + url
    }

    /// True if the config came wrapped in a TypedStruct.
    public var isWrapped: Bool { wrapperTypeURL != nil }

    /// The message name: the part of ``typeURL`` after the last `/`
    /// (`envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`).
    public var typeName: String {
        typeURL.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? typeURL
    }

    /// Decodes ``value`` as `type` (unknown fields are errors, with marks).
    public func decode<T: Decodable>(_ type: T.Type, using decoder: ConfigDecoder = ConfigDecoder()) throws -> T {
        try decoder.decode(type, from: value)
    }

    /// Builds a typed config from a `typed_config` mapping node.
    /// - Throws: ``ConfigError`` when `@type` is missing or a TypedStruct is malformed.
    public init(node: ConfigNode, fieldName: String = "typed_config") throws {
        guard case .mapping(let mapping) = node else {
            throw ConfigError(
                "expected a mapping with an '@type' for '\(fieldName)', found \(node.kindDescription)",
                at: node.mark
            )
        }
        guard let typeEntry = mapping.entry(forKey: "@type"), let written = typeEntry.value.string, !written.isEmpty
        else {
            throw ConfigError("'\(fieldName)' needs an '@type' field naming the config type", at: mapping.mark)
        }
        let url = Self.normalizedTypeURL(written)
        let rest = ConfigNode.mapping(
            .init(entries: mapping.entries.filter { $0.keyString != "@type" }, mark: mapping.mark)
        )
        guard url == Self.udpaTypedStructURL || url == Self.xdsTypedStructURL else {
            self.init(typeURL: url, value: rest, mark: mapping.mark, typeURLMark: typeEntry.value.mark)
            return
        }
        var innerURL: (String, Mark)?
        var innerValue: ConfigNode?
        for entry in mapping.entries where entry.keyString != "@type" {
            switch entry.keyString {
            case "type_url", "typeUrl":
                guard let text = entry.value.string else {
                    throw ConfigError(
                        "expected a string for 'type_url', found \(entry.value.kindDescription)",
                        at: entry.value.mark
                    )
                }
                innerURL = (text.isEmpty ? text : Self.normalizedTypeURL(text), entry.value.mark)
            case "value":
                guard entry.value.isNull || entry.value.mapping != nil else {
                    throw ConfigError(
                        "expected a mapping for 'value', found \(entry.value.kindDescription)",
                        at: entry.value.mark
                    )
                }
                innerValue = entry.value
            default:
                throw ConfigError("unknown field '\(entry.keyString)' in TypedStruct", at: entry.key.mark)
            }
        }
        guard let (inner, innerMark) = innerURL, !inner.isEmpty else {
            throw ConfigError("TypedStruct in '\(fieldName)' needs a non-empty 'type_url'", at: mapping.mark)
        }
        let value: ConfigNode
        if let innerValue, innerValue.mapping != nil {
            value = innerValue
        } else {
            value = .emptyMapping(at: innerValue?.mark ?? mapping.mark)
        }
        self.init(typeURL: inner, value: value, mark: mapping.mark, typeURLMark: innerMark, wrapperTypeURL: url)
    }

    /// Decodes from the `typed_config` node (``ConfigDecoder`` only).
    public init(from decoder: any Decoder) throws {
        guard let node = decoder.configNode else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "TypedConfig can only be decoded by ConfigDecoder"
                )
            )
        }
        try self.init(node: node, fieldName: decoder.configFieldName ?? "typed_config")
    }
}
