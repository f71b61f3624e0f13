/// `envoy.config.listener.v3.ListenerFilter`: `{name, typed_config, filter_disabled}`.
public struct ListenerFilterConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.listener.v3.ListenerFilter`.
    public static let configTypeName = "envoy.config.listener.v3.ListenerFilter"

    /// `name` (non-empty, e.g. `envoy.filters.listener.tls_inspector`).
    public var name: String
    /// `typed_config`.
    public var typedConfig: TypedConfig?
    /// `filter_disabled` (a ListenerFilterChainMatchPredicate), kept as a node.
    public var filterDisabled: ConfigNode?
    /// Where the entry starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case name
        case typedConfig = "typed_config"
        case filterDisabled = "filter_disabled"
        case configDiscovery = "config_discovery"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        let name = try container.decodeIfPresent(Marked<String>.self, forKey: .name)
        guard let name, !name.value.isEmpty else {
            throw ConfigError("listener filter 'name' must not be empty", at: name?.mark ?? mark)
        }
        self.name = name.value
        typedConfig = try container.decodeIfPresent(TypedConfig.self, forKey: .typedConfig)
        filterDisabled = try container.decodeIfPresent(ConfigNode.self, forKey: .filterDisabled)
        if let keyMark = container.configKeyMark(forKey: .configDiscovery) {
            throw ConfigError("'config_discovery' is not supported (static configuration only)", at: keyMark)
        }
    }
}
