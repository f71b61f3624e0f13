/// `envoy.config.accesslog.v3.AccessLog`: `{name, filter, typed_config}`.
public struct AccessLogConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.accesslog.v3.AccessLog`.
    public static let configTypeName = "envoy.config.accesslog.v3.AccessLog"

    /// `name` (informational).
    public var name: String
    /// `filter`, kept as a node.
    public var filter: ConfigNode?
    /// `typed_config` (e.g. `…access_loggers.file.v3.FileAccessLog`).
    public var typedConfig: TypedConfig?
    /// Where the entry starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case name, filter
        case typedConfig = "typed_config"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        filter = try container.decodeIfPresent(ConfigNode.self, forKey: .filter)
        typedConfig = try container.decodeIfPresent(TypedConfig.self, forKey: .typedConfig)
    }
}
