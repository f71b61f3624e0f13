/// `envoy.config.core.v3.SocketOption`: a raw `setsockopt` on a listener's or an upstream
/// connection's socket.
public struct SocketOptionConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.core.v3.SocketOption`.
    public static let configTypeName = "envoy.config.core.v3.SocketOption"

    /// `envoy.config.core.v3.SocketOption.SocketState`: when the option is applied.
    public enum SocketState: String, ConfigEnum {
        /// Before `bind` (the default).
        case prebind = "STATE_PREBIND"
        /// After `bind`.
        case bound = "STATE_BOUND"
        /// After `listen`.
        case listening = "STATE_LISTENING"
    }

    /// `description`.
    public var description: String
    /// `level`, e.g. 1 (`SOL_SOCKET`) or 6 (`IPPROTO_TCP`).
    public var level: Int32
    /// `name`, e.g. 9 (`SO_KEEPALIVE`).
    public var name: Int32
    /// `int_value`.
    public var intValue: Int32
    /// `state`.
    public var state: SocketState
    /// Where the option starts.
    public var mark: Mark

    /// An integer option.
    public init(description: String = "", level: Int32, name: Int32, intValue: Int32, state: SocketState = .prebind, mark: Mark = .file("<code>")) {
        self.description = description
        self.level = level
        self.name = name
        self.intValue = intValue
        self.state = state
        self.mark = mark
    }

    private enum CodingKeys: String, CodingKey {
        case description, level, name, state
        case intValue = "int_value"
        case bufValue = "buf_value"
    }

    /// Decodes from YAML; `level`, `name` and `int_value` are required (`buf_value` is not
    /// supported by Relay).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        state = try container.decodeIfPresent(SocketState.self, forKey: .state) ?? .prebind
        if let buffer = try container.decodeIfPresent(Marked<ConfigNode>.self, forKey: .bufValue) {
            throw ConfigError("'buf_value' is not supported by Relay; use 'int_value'", at: buffer.mark)
        }
        let start = mark
        func number(_ key: CodingKeys) throws -> Int32 {
            guard let value = try container.decodeIfPresent(Marked<Int64>.self, forKey: key) else {
                throw ConfigError("socket option needs '\(key.rawValue)'", at: start)
            }
            guard let narrowed = Int32(exactly: value.value) else {
                throw ConfigError("'\(key.rawValue)' \(value.value) does not fit a 32-bit socket option", at: value.mark)
            }
            return narrowed
        }
        level = try number(.level)
        name = try number(.name)
        intValue = try number(.intValue)
    }
}

/// `envoy.config.core.v3.TcpKeepalive`: TCP keepalive probes on a socket.
public struct TCPKeepaliveConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.core.v3.TcpKeepalive`.
    public static let configTypeName = "envoy.config.core.v3.TcpKeepalive"

    /// `keepalive_probes` (nil = the system default).
    public var probes: UInt32?
    /// `keepalive_time` in seconds (nil = the system default).
    public var time: UInt32?
    /// `keepalive_interval` in seconds (nil = the system default).
    public var interval: UInt32?

    /// Keepalive with the given settings.
    public init(probes: UInt32? = nil, time: UInt32? = nil, interval: UInt32? = nil) {
        self.probes = probes
        self.time = time
        self.interval = interval
    }

    private enum CodingKeys: String, CodingKey {
        case probes = "keepalive_probes"
        case time = "keepalive_time"
        case interval = "keepalive_interval"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        probes = try container.decodeIfPresent(UInt32.self, forKey: .probes)
        time = try container.decodeIfPresent(UInt32.self, forKey: .time)
        interval = try container.decodeIfPresent(UInt32.self, forKey: .interval)
    }
}

/// `envoy.config.cluster.v3.UpstreamConnectionOptions`.
public struct UpstreamConnectionOptionsConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.cluster.v3.UpstreamConnectionOptions`.
    public static let configTypeName = "envoy.config.cluster.v3.UpstreamConnectionOptions"

    /// `tcp_keepalive`.
    public var tcpKeepalive: TCPKeepaliveConfig?

    private enum CodingKeys: String, CodingKey {
        case tcpKeepalive = "tcp_keepalive"
        case setLocalInterfaceName = "set_local_interface_name_on_upstream_connections"
        case happyEyeballsConfig = "happy_eyeballs_config"
    }

    /// No options.
    public init(tcpKeepalive: TCPKeepaliveConfig? = nil) {
        self.tcpKeepalive = tcpKeepalive
    }

    /// Decodes from YAML; fields Relay cannot honour are refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tcpKeepalive = try container.decodeIfPresent(TCPKeepaliveConfig.self, forKey: .tcpKeepalive)
        if let flag = try container.decodeIfPresent(Marked<Bool>.self, forKey: .setLocalInterfaceName), flag.value {
            throw ConfigError("'set_local_interface_name_on_upstream_connections' is not supported by Relay", at: flag.mark)
        }
        if let eyeballs = try container.decodeIfPresent(Marked<ConfigNode>.self, forKey: .happyEyeballsConfig) {
            throw ConfigError("'happy_eyeballs_config' is not supported by Relay", at: eyeballs.mark)
        }
    }
}
