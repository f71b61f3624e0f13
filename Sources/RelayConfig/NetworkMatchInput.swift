/// A matcher input over the accepted socket
/// (`envoy.extensions.matching.common_inputs.network.v3.*Input`), as Envoy's
/// `source/common/network/matching/inputs.cc` produces them.
public enum NetworkMatchInput: String, Sendable, Hashable, CaseIterable {
    /// The local (destination) IP address as text.
    case destinationIP = "DestinationIPInput"
    /// The local (destination) port as decimal text.
    case destinationPort = "DestinationPortInput"
    /// The remote IP address as text.
    case sourceIP = "SourceIPInput"
    /// The remote port as decimal text.
    case sourcePort = "SourcePortInput"
    /// The directly connected peer's IP address as text.
    case directSourceIP = "DirectSourceIPInput"
    /// `local` when the peer is loopback or has the local IP; no value otherwise.
    case sourceType = "SourceTypeInput"
    /// The SNI; no value when empty.
    case serverName = "ServerNameInput"
    /// The detected transport protocol (`tls`, `raw_buffer`); no value when empty.
    case transportProtocol = "TransportProtocolInput"
    /// The requested application protocols as Envoy joins them: `'h2','http/1.1'`.
    case applicationProtocol = "ApplicationProtocolInput"

    /// The protobuf package of every network input.
    public static let package = "envoy.extensions.matching.common_inputs.network.v3"

    /// The full type URL, e.g.
    /// `type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.ServerNameInput`.
    public var typeURL: String { "type.googleapis.com/\(Self.package).\(rawValue)" }

    /// Whether the input yields an IP address (usable with an IP matcher).
    public var isIPAddress: Bool {
        self == .destinationIP || self == .sourceIP || self == .directSourceIP
    }

    /// Resolves an `input` extension by its `@type` (with or without `type.googleapis.com/`).
    init(_ extension: MatcherTypedExtension) throws {
        let typeName = `extension`.typedConfig.typeName
        let match = Self.allCases.first { "\(Self.package).\($0.rawValue)" == typeName }
        guard let match else {
            throw ConfigError(
                "unsupported matcher input type '\(`extension`.typedConfig.typeURL)' in filter_chain_matcher; supported: "
                    + Self.allCases.map(\.typeURL).joined(separator: ", "),
                at: `extension`.typedConfig.typeURLMark
            )
        }
        struct NoFields: CodingKey {
            var stringValue: String { "" }
            var intValue: Int? { nil }
            init?(stringValue: String) { nil }
            init?(intValue: Int) { nil }
        }
        /// The input messages have no fields.
        struct Empty: Decodable, ConfigTypeNaming {
            static let configTypeName = "envoy.extensions.matching.common_inputs.network.v3 input"
            init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFields.self) }
        }
        _ = try ConfigDecoder().decode(Empty.self, from: `extension`.typedConfig.value)
        self = match
    }
}

/// A decoded `input` with where it is written.
struct MarkedNetworkMatchInput: Decodable {
    var input: NetworkMatchInput
    var mark: Mark

    init(from decoder: any Decoder) throws {
        let typed = try MatcherTypedExtension(from: decoder)
        input = try NetworkMatchInput(typed)
        mark = typed.mark
    }
}
