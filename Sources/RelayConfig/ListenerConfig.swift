/// `envoy.config.listener.v3.Listener`: the L4 subset.
public struct ListenerConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.listener.v3.Listener`.
    public static let configTypeName = "envoy.config.listener.v3.Listener"

    /// The default `per_connection_buffer_limit_bytes` (1 MiB).
    public static let defaultBufferLimitBytes: UInt32 = 1_048_576
    /// The default `listener_filters_timeout` (15s).
    public static let defaultListenerFiltersTimeout = ConfigDuration(seconds: 15)

    /// `Listener.DrainType`.
    public enum DrainType: String, ConfigEnum {
        case `default` = "DEFAULT"
        case modifyOnly = "MODIFY_ONLY"
    }

    /// `envoy.config.core.v3.TrafficDirection`.
    public enum TrafficDirection: String, ConfigEnum {
        case unspecified = "UNSPECIFIED"
        case inbound = "INBOUND"
        case outbound = "OUTBOUND"
    }

    /// `name` (empty = unnamed; the runtime may generate one).
    public var name: String
    /// `address` (required).
    public var address: AddressConfig
    /// `additional_addresses[].address`.
    public var additionalAddresses: [AddressConfig]
    /// `stat_prefix` (empty = stats under `listener.<address>.`).
    public var statPrefix: String
    /// `listener_filters` in order.
    public var listenerFilters: [ListenerFilterConfig]
    /// `listener_filters_timeout` (default 15s; 0 disables).
    public var listenerFiltersTimeout: ConfigDuration
    /// `continue_on_listener_filters_timeout`.
    public var continueOnListenerFiltersTimeout: Bool
    /// `filter_chains`.
    public var filterChains: [FilterChainConfig]
    /// `default_filter_chain`.
    public var defaultFilterChain: FilterChainConfig?
    /// `filter_chain_matcher` (Envoy's unified matcher; takes precedence over each chain's
    /// `filter_chain_match`).
    public var filterChainMatcher: FilterChainMatcherConfig?
    /// `per_connection_buffer_limit_bytes` (default 1 MiB).
    public var perConnectionBufferLimitBytes: UInt32
    /// `use_original_dst`.
    public var useOriginalDst: Bool
    /// `drain_type`.
    public var drainType: DrainType
    /// `access_log`.
    public var accessLog: [AccessLogConfig]
    /// `enable_reuse_port` (nil = platform default: on for Linux).
    public var enableReusePort: Bool?
    /// `bind_to_port` (default true).
    public var bindToPort: Bool
    /// `traffic_direction`.
    public var trafficDirection: TrafficDirection
    /// `tcp_backlog_size` (nil = system default).
    public var tcpBacklogSize: UInt32?
    /// `socket_options`, applied to the listening socket.
    public var socketOptions: [SocketOptionConfig]
    /// `connection_balance_config`, kept as a node (accepted with a warning).
    public var connectionBalanceConfig: ConfigNode?
    /// `tcp_keepalive`: keepalive on the listening socket, inherited by accepted sockets.
    public var tcpKeepalive: TCPKeepaliveConfig?
    /// `freebind`.
    public var freebind: Bool?
    /// `transparent`.
    public var transparent: Bool?
    /// `ignore_global_conn_limit`.
    public var ignoreGlobalConnLimit: Bool
    /// `max_connections_to_accept_per_socket_event` (nil = unlimited).
    public var maxConnectionsToAcceptPerSocketEvent: UInt32?
    /// Where the listener starts.
    public var mark: Mark

    /// The name for messages: `name`, else the address.
    public var displayName: String { name.isEmpty ? address.description : name }

    private enum CodingKeys: String, CodingKey {
        case name, address
        case additionalAddresses = "additional_addresses"
        case statPrefix = "stat_prefix"
        case listenerFilters = "listener_filters"
        case listenerFiltersTimeout = "listener_filters_timeout"
        case continueOnListenerFiltersTimeout = "continue_on_listener_filters_timeout"
        case filterChains = "filter_chains"
        case defaultFilterChain = "default_filter_chain"
        case filterChainMatcher = "filter_chain_matcher"
        case perConnectionBufferLimitBytes = "per_connection_buffer_limit_bytes"
        case useOriginalDst = "use_original_dst"
        case drainType = "drain_type"
        case accessLog = "access_log"
        case enableReusePort = "enable_reuse_port"
        case bindToPort = "bind_to_port"
        case trafficDirection = "traffic_direction"
        case tcpBacklogSize = "tcp_backlog_size"
        case socketOptions = "socket_options"
        case connectionBalanceConfig = "connection_balance_config"
        case tcpKeepalive = "tcp_keepalive"
        case freebind, transparent
        case ignoreGlobalConnLimit = "ignore_global_conn_limit"
        case maxConnectionsToAcceptPerSocketEvent = "max_connections_to_accept_per_socket_event"
    }

    /// Decodes from YAML; an address and at least one filter chain (or a default chain) are
    /// required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        guard let address = try container.decodeIfPresent(AddressConfig.self, forKey: .address) else {
            throw ConfigError("listener\(name.isEmpty ? "" : " '\(name)'") needs an 'address'", at: mark)
        }
        self.address = address
        additionalAddresses =
            try (container.decodeIfPresent([AdditionalAddress].self, forKey: .additionalAddresses) ?? []).map(\.address)
        statPrefix = try container.decodeIfPresent(String.self, forKey: .statPrefix) ?? ""
        listenerFilters = try container.decodeIfPresent([ListenerFilterConfig].self, forKey: .listenerFilters) ?? []
        listenerFiltersTimeout =
            try container.decodeIfPresent(ConfigDuration.self, forKey: .listenerFiltersTimeout)
            ?? Self.defaultListenerFiltersTimeout
        continueOnListenerFiltersTimeout =
            try container.decodeIfPresent(Bool.self, forKey: .continueOnListenerFiltersTimeout) ?? false
        filterChains = try container.decodeIfPresent([FilterChainConfig].self, forKey: .filterChains) ?? []
        defaultFilterChain = try container.decodeIfPresent(FilterChainConfig.self, forKey: .defaultFilterChain)
        filterChainMatcher = try container.decodeIfPresent(FilterChainMatcherConfig.self, forKey: .filterChainMatcher)
        perConnectionBufferLimitBytes =
            try container.decodeIfPresent(UInt32.self, forKey: .perConnectionBufferLimitBytes)
            ?? Self.defaultBufferLimitBytes
        useOriginalDst = try container.decodeIfPresent(Bool.self, forKey: .useOriginalDst) ?? false
        drainType = try container.decodeIfPresent(DrainType.self, forKey: .drainType) ?? .default
        accessLog = try container.decodeIfPresent([AccessLogConfig].self, forKey: .accessLog) ?? []
        enableReusePort = try container.decodeIfPresent(Bool.self, forKey: .enableReusePort)
        bindToPort = try container.decodeIfPresent(Bool.self, forKey: .bindToPort) ?? true
        trafficDirection =
            try container.decodeIfPresent(TrafficDirection.self, forKey: .trafficDirection) ?? .unspecified
        tcpBacklogSize = try container.decodeIfPresent(UInt32.self, forKey: .tcpBacklogSize)
        socketOptions = try container.decodeIfPresent([SocketOptionConfig].self, forKey: .socketOptions) ?? []
        connectionBalanceConfig = try container.decodeIfPresent(ConfigNode.self, forKey: .connectionBalanceConfig)
        tcpKeepalive = try container.decodeIfPresent(TCPKeepaliveConfig.self, forKey: .tcpKeepalive)
        freebind = try container.decodeIfPresent(Bool.self, forKey: .freebind)
        transparent = try container.decodeIfPresent(Bool.self, forKey: .transparent)
        ignoreGlobalConnLimit = try container.decodeIfPresent(Bool.self, forKey: .ignoreGlobalConnLimit) ?? false
        maxConnectionsToAcceptPerSocketEvent =
            try container.decodeIfPresent(UInt32.self, forKey: .maxConnectionsToAcceptPerSocketEvent)
        if filterChains.isEmpty, defaultFilterChain == nil {
            throw ConfigError("error adding listener '\(displayName)': no filter chains specified", at: mark)
        }
    }

    /// `envoy.config.listener.v3.AdditionalAddress`.
    private struct AdditionalAddress: Decodable, ConfigTypeNaming {
        static let configTypeName = "envoy.config.listener.v3.AdditionalAddress"
        var address: AddressConfig

        private enum CodingKeys: String, CodingKey {
            case address
            case socketOptions = "socket_options"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            address = try container.decode(AddressConfig.self, forKey: .address)
            _ = try container.decodeIfPresent(ConfigNode.self, forKey: .socketOptions)
        }
    }
}
