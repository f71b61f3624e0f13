/// A `{name, typed_config}` extension entry: a network filter
/// (`envoy.config.listener.v3.Filter`), a cluster's upstream filter or a transport socket
/// (`envoy.config.core.v3.TransportSocket`).
///
/// The `name` is informational in Envoy (the type URL selects the extension), but registries
/// may fall back to it when there is no `typed_config`.
public struct NamedTypedConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.listener.v3.Filter`.
    public static let configTypeName = "envoy.config.listener.v3.Filter"

    /// `name` (non-empty).
    public var name: String
    /// `typed_config`, if given.
    public var typedConfig: TypedConfig?
    /// Where the entry starts.
    public var mark: Mark
    /// Where the name is written (the entry's mark if absent).
    public var nameMark: Mark

    /// Creates an entry.
    public init(name: String, typedConfig: TypedConfig?, mark: Mark) {
        self.name = name
        self.typedConfig = typedConfig
        self.mark = mark
        self.nameMark = mark
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case typedConfig = "typed_config"
        case configDiscovery = "config_discovery"
    }

    /// Decodes from YAML; rejects an empty name and `config_discovery` (no xDS).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        let name = try container.decodeIfPresent(Marked<String>.self, forKey: .name)
        guard let name, !name.value.isEmpty else {
            throw ConfigError("'name' must not be empty", at: name?.mark ?? mark)
        }
        self.name = name.value
        self.nameMark = name.mark
        typedConfig = try container.decodeIfPresent(TypedConfig.self, forKey: .typedConfig)
        if let discovery = container.configKeyMark(forKey: .configDiscovery) {
            throw ConfigError("'config_discovery' is not supported (static configuration only)", at: discovery)
        }
    }
}
