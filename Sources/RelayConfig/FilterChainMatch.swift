/// `envoy.config.listener.v3.FilterChainMatch`: the criteria selecting a filter chain.
/// An empty/unset field is a wildcard for that criterion.
public struct FilterChainMatch: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.listener.v3.FilterChainMatch`.
    public static let configTypeName = "envoy.config.listener.v3.FilterChainMatch"

    /// `FilterChainMatch.ConnectionSourceType`.
    public enum SourceType: String, ConfigEnum {
        case any = "ANY"
        case sameIPOrLoopback = "SAME_IP_OR_LOOPBACK"
        case external = "EXTERNAL"
    }

    /// `destination_port` (1…65535), nil = any.
    public var destinationPort: Int?
    /// `prefix_ranges`: destination IP prefixes.
    public var prefixRanges: [CidrRange]
    /// `server_names`, lower-cased (exact names or `*.suffix` wildcards).
    public var serverNames: [String]
    /// `transport_protocol` (`tls`, `raw_buffer`), empty = any.
    public var transportProtocol: String
    /// `application_protocols` (ALPN names).
    public var applicationProtocols: [String]
    /// `direct_source_prefix_ranges`.
    public var directSourcePrefixRanges: [CidrRange]
    /// `source_type` (default ANY).
    public var sourceType: SourceType
    /// `source_prefix_ranges`.
    public var sourcePrefixRanges: [CidrRange]
    /// `source_ports` (each 1…65535).
    public var sourcePorts: [Int]
    /// Where the match starts (nil for a programmatic value).
    public var mark: Mark?

    /// Creates a match; all-defaults matches everything.
    public init(
        destinationPort: Int? = nil,
        prefixRanges: [CidrRange] = [],
        serverNames: [String] = [],
        transportProtocol: String = "",
        applicationProtocols: [String] = [],
        directSourcePrefixRanges: [CidrRange] = [],
        sourceType: SourceType = .any,
        sourcePrefixRanges: [CidrRange] = [],
        sourcePorts: [Int] = []
    ) {
        self.destinationPort = destinationPort
        self.prefixRanges = prefixRanges
        self.serverNames = serverNames
        self.transportProtocol = transportProtocol
        self.applicationProtocols = applicationProtocols
        self.directSourcePrefixRanges = directSourcePrefixRanges
        self.sourceType = sourceType
        self.sourcePrefixRanges = sourcePrefixRanges
        self.sourcePorts = sourcePorts
        self.mark = nil
    }

    private enum CodingKeys: String, CodingKey {
        case destinationPort = "destination_port"
        case prefixRanges = "prefix_ranges"
        case serverNames = "server_names"
        case transportProtocol = "transport_protocol"
        case applicationProtocols = "application_protocols"
        case directSourcePrefixRanges = "direct_source_prefix_ranges"
        case sourceType = "source_type"
        case sourcePrefixRanges = "source_prefix_ranges"
        case sourcePorts = "source_ports"
        case addressSuffix = "address_suffix"
        case suffixLen = "suffix_len"
    }

    /// Decodes from YAML; rejects `address_suffix`/`suffix_len`, out-of-range ports and
    /// partial wildcards in `server_names`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark
        for key in [CodingKeys.addressSuffix, .suffixLen] {
            if let keyMark = container.configKeyMark(forKey: key) {
                throw ConfigError(
                    "'\(key.stringValue)' in filter_chain_match is not implemented (contains unimplemented fields)",
                    at: keyMark
                )
            }
        }
        if let port = try container.decodeIfPresent(Marked<UInt32>.self, forKey: .destinationPort) {
            guard (1...65535).contains(port.value) else {
                throw ConfigError("destination_port \(port.value) is out of range: must be 1...65535", at: port.mark)
            }
            destinationPort = Int(port.value)
        } else {
            destinationPort = nil
        }
        prefixRanges = try container.decodeIfPresent([CidrRange].self, forKey: .prefixRanges) ?? []
        let names = try container.decodeIfPresent([Marked<String>].self, forKey: .serverNames) ?? []
        serverNames = try names.map { name in
            let lowered = name.value.lowercased()
            if let star = lowered.firstIndex(of: "*"), !(star == lowered.startIndex && lowered.hasPrefix("*.")) {
                throw ConfigError(
                    "partial wildcards are not supported in server_names: '\(name.value)' (use '*.example.com')",
                    at: name.mark
                )
            }
            if lowered.dropFirst().contains("*") {
                throw ConfigError("server name '\(name.value)' has more than one wildcard", at: name.mark)
            }
            return lowered
        }
        transportProtocol = try container.decodeIfPresent(String.self, forKey: .transportProtocol) ?? ""
        applicationProtocols = try container.decodeIfPresent([String].self, forKey: .applicationProtocols) ?? []
        directSourcePrefixRanges =
            try container.decodeIfPresent([CidrRange].self, forKey: .directSourcePrefixRanges) ?? []
        sourceType = try container.decodeIfPresent(SourceType.self, forKey: .sourceType) ?? .any
        sourcePrefixRanges = try container.decodeIfPresent([CidrRange].self, forKey: .sourcePrefixRanges) ?? []
        let ports = try container.decodeIfPresent([Marked<UInt32>].self, forKey: .sourcePorts) ?? []
        sourcePorts = try ports.map { port in
            guard (1...65535).contains(port.value) else {
                throw ConfigError("source port \(port.value) is out of range: must be 1...65535", at: port.mark)
            }
            return Int(port.value)
        }
    }
}
