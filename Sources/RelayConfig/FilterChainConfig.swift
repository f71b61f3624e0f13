/// `envoy.config.listener.v3.FilterChain`: match criteria, network filters (in read order)
/// and an optional transport socket (absent = plaintext `raw_buffer`).
public struct FilterChainConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.listener.v3.FilterChain`.
    public static let configTypeName = "envoy.config.listener.v3.FilterChain"

    /// `filter_chain_match`; nil when unset or null (matches everything).
    public var filterChainMatch: FilterChainMatch?
    /// `filters`: network filters in configuration (read) order.
    public var filters: [NamedTypedConfig]
    /// `transport_socket`; nil = `raw_buffer`.
    public var transportSocket: NamedTypedConfig?
    /// `transport_socket_connect_timeout`.
    public var transportSocketConnectTimeout: ConfigDuration?
    /// `name`.
    public var name: String
    /// `metadata`.
    public var metadata: ConfigMetadata?
    /// Where the chain starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case filterChainMatch = "filter_chain_match"
        case filters
        case transportSocket = "transport_socket"
        case transportSocketConnectTimeout = "transport_socket_connect_timeout"
        case name
        case metadata
        case onDemandConfiguration = "on_demand_configuration"
        case useProxyProto = "use_proxy_proto"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        for key in [CodingKeys.onDemandConfiguration, .useProxyProto] {
            if let keyMark = container.configKeyMark(forKey: key) {
                throw ConfigError("'\(key.stringValue)' is not supported in a filter chain", at: keyMark)
            }
        }
        filterChainMatch = try container.decodeIfPresent(FilterChainMatch.self, forKey: .filterChainMatch)
        filters = try container.decodeIfPresent([NamedTypedConfig].self, forKey: .filters) ?? []
        transportSocket = try container.decodeIfPresent(NamedTypedConfig.self, forKey: .transportSocket)
        transportSocketConnectTimeout =
            try container.decodeIfPresent(ConfigDuration.self, forKey: .transportSocketConnectTimeout)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        metadata = try container.decodeIfPresent(ConfigMetadata.self, forKey: .metadata)
    }
}
