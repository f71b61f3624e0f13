/// `envoy.config.core.v3.Address`: a socket address or a Unix-domain pipe.
public struct AddressConfig: Sendable, Hashable, Decodable, ConfigTypeNaming, CustomStringConvertible {
    /// `envoy.config.core.v3.Address`.
    public static let configTypeName = "envoy.config.core.v3.Address"

    /// The address variants.
    public enum Kind: Sendable, Hashable {
        /// `socket_address`.
        case socket(SocketAddress)
        /// `pipe`.
        case pipe(Pipe)
    }

    /// Which address this is.
    public var kind: Kind
    /// Where the address mapping starts.
    public var mark: Mark

    /// Creates an address.
    public init(_ kind: Kind, mark: Mark) {
        self.kind = kind
        self.mark = mark
    }

    /// The socket address, if this is one.
    public var socketAddress: SocketAddress? {
        if case .socket(let address) = kind { return address }
        return nil
    }

    /// The pipe, if this is one.
    public var pipe: Pipe? {
        if case .pipe(let pipe) = kind { return pipe }
        return nil
    }

    /// `ip:port` (IPv6 in brackets), `host:port`, or `unix:path`.
    public var description: String {
        switch kind {
        case .socket(let socket):
            let host = socket.address.contains(":") ? "[\(socket.address)]" : socket.address
            return "\(host):\(socket.namedPort ?? String(socket.portValue))"
        case .pipe(let pipe):
            return "unix:\(pipe.path)"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case socketAddress = "socket_address"
        case pipe
        case envoyInternalAddress = "envoy_internal_address"
    }

    /// Decodes from YAML; exactly one of `socket_address` / `pipe` must be set.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        if let internalMark = container.configKeyMark(forKey: .envoyInternalAddress) {
            throw ConfigError("'envoy_internal_address' is not supported", at: internalMark)
        }
        let socket = try container.decodeIfPresent(SocketAddress.self, forKey: .socketAddress)
        let pipe = try container.decodeIfPresent(Pipe.self, forKey: .pipe)
        switch (socket, pipe) {
        case (let socket?, nil): kind = .socket(socket)
        case (nil, let pipe?): kind = .pipe(pipe)
        case (.some, .some):
            throw ConfigError("an address takes only one of 'socket_address' and 'pipe'", at: mark)
        case (nil, nil):
            throw ConfigError("an address needs 'socket_address' or 'pipe'", at: mark)
        }
    }
}

extension AddressConfig {
    /// `envoy.config.core.v3.SocketAddress`.
    public struct SocketAddress: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.core.v3.SocketAddress`.
        public static let configTypeName = "envoy.config.core.v3.SocketAddress"

        /// `SocketAddress.Protocol`.
        public enum SocketProtocol: String, ConfigEnum {
            case tcp = "TCP"
            case udp = "UDP"
        }

        /// `protocol` (default TCP).
        public var socketProtocol: SocketProtocol
        /// `address`: an IP literal or, for DNS clusters, a host name.
        public var address: String
        /// `port_value` (0…65535; 0 when `named_port` is used).
        public var portValue: Int
        /// `named_port`, if given instead of `port_value`.
        public var namedPort: String?
        /// `resolver_name` (empty = default resolver).
        public var resolverName: String
        /// `ipv4_compat`.
        public var ipv4Compat: Bool
        /// Where the socket address starts.
        public var mark: Mark
        /// Where the `address` value is written.
        public var addressMark: Mark
        /// Where the port is written (the socket address's mark if absent).
        public var portMark: Mark

        /// True if ``address`` is an IPv4 or IPv6 literal.
        public var isIPLiteral: Bool { IPAddressLiteral.isIP(address) }

        private enum CodingKeys: String, CodingKey {
            case socketProtocol = "protocol"
            case address
            case portValue = "port_value"
            case namedPort = "named_port"
            case resolverName = "resolver_name"
            case ipv4Compat = "ipv4_compat"
        }

        /// Decodes from YAML; `address` is required and `port_value` ≤ 65535.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            let socketProtocol = try container.decodeIfPresent(Marked<SocketProtocol>.self, forKey: .socketProtocol)
            if let socketProtocol, socketProtocol.value == .udp {
                throw ConfigError("'protocol: UDP' is not supported by Relay; only TCP listeners and clusters exist", at: socketProtocol.mark)
            }
            self.socketProtocol = socketProtocol?.value ?? .tcp
            let address = try container.decodeIfPresent(Marked<String>.self, forKey: .address)
            guard let address, !address.value.isEmpty else {
                throw ConfigError("socket address needs a non-empty 'address'", at: address?.mark ?? mark)
            }
            self.address = address.value
            addressMark = address.mark
            let port = try container.decodeIfPresent(Marked<UInt32>.self, forKey: .portValue)
            namedPort = try container.decodeIfPresent(String.self, forKey: .namedPort)
            portMark = port?.mark ?? mark
            if let port, port.value > 65535 {
                throw ConfigError("port_value \(port.value) is out of range: must be at most 65535", at: port.mark)
            }
            if port != nil, namedPort != nil {
                throw ConfigError("a socket address takes only one of 'port_value' and 'named_port'", at: mark)
            }
            portValue = Int(port?.value ?? 0)
            resolverName = try container.decodeIfPresent(String.self, forKey: .resolverName) ?? ""
            ipv4Compat = try container.decodeIfPresent(Bool.self, forKey: .ipv4Compat) ?? false
        }
    }

    /// `envoy.config.core.v3.Pipe`: a Unix-domain socket path.
    public struct Pipe: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.core.v3.Pipe`.
        public static let configTypeName = "envoy.config.core.v3.Pipe"

        /// `path` (non-empty; a leading `@` means the abstract namespace).
        public var path: String
        /// `mode`: file permissions (≤ 0o777), default 0.
        public var mode: UInt32

        private enum CodingKeys: String, CodingKey {
            case path, mode
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let mark = decoder.configMark ?? .file("<unknown>")
            let path = try container.decodeIfPresent(Marked<String>.self, forKey: .path)
            guard let path, !path.value.isEmpty else {
                throw ConfigError("pipe needs a non-empty 'path'", at: path?.mark ?? mark)
            }
            self.path = path.value
            let mode = try container.decodeIfPresent(Marked<UInt32>.self, forKey: .mode)
            if let mode, mode.value > 0o777 {
                throw ConfigError("pipe mode \(mode.value) is out of range: must be at most 511 (0777)", at: mode.mark)
            }
            self.mode = mode?.value ?? 0
        }
    }
}
