import Relay

/// `envoy.tcp.metadataexchange.config.MetadataExchange`.
public struct MetadataExchangeConfig: Decodable, Sendable, Hashable {
    /// The ALPN that must be negotiated for the exchange to run (`istio-peer-exchange`).
    public var `protocol`: String
    /// Istio's fallback to workload discovery by peer IP. Relay has no discovery store, so a
    /// discovery miss is reported like any other not-found peer; accepted for compatibility.
    public var enableDiscovery: Bool
    /// Peer labels kept beside the four special ones.
    public var additionalLabels: [String]
    /// Relay's limit on an exchanged payload (Istio has none). Default 64 KiB.
    public var maxPayloadBytes: Int

    /// The default payload limit.
    public static let defaultMaxPayloadBytes = 64 * 1024

    enum CodingKeys: String, CodingKey {
        case `protocol`
        case enableDiscovery = "enable_discovery"
        case additionalLabels = "additional_labels"
        case maxPayloadBytes = "max_payload_bytes"
    }

    /// Creates a config.
    public init(
        protocol: String,
        enableDiscovery: Bool = false,
        additionalLabels: [String] = [],
        maxPayloadBytes: Int = MetadataExchangeConfig.defaultMaxPayloadBytes
    ) {
        self.protocol = `protocol`
        self.enableDiscovery = enableDiscovery
        self.additionalLabels = additionalLabels
        self.maxPayloadBytes = maxPayloadBytes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.protocol = try container.decodeIfPresent(String.self, forKey: .protocol) ?? ""
        self.enableDiscovery = try container.decodeIfPresent(Bool.self, forKey: .enableDiscovery) ?? false
        self.additionalLabels = try container.decodeIfPresent([String].self, forKey: .additionalLabels) ?? []
        self.maxPayloadBytes =
            try container.decodeIfPresent(Int.self, forKey: .maxPayloadBytes) ?? Self.defaultMaxPayloadBytes
    }

    /// Checks the rules Istio's factory asserts, plus Relay's own.
    public func validate() throws {
        guard !self.protocol.isEmpty else {
            throw FilterConfigError("protocol must be set to the exchange ALPN, e.g. istio-peer-exchange", field: "protocol")
        }
        guard maxPayloadBytes >= 1 else {
            throw FilterConfigError("max_payload_bytes must be at least 1", field: "max_payload_bytes")
        }
    }
}
