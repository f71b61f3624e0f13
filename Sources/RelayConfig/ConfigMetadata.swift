/// `envoy.config.core.v3.Metadata`: free-form `filter_metadata` per namespace plus
/// `typed_filter_metadata` kept as typed configs.
///
/// Read Istio's service list with
/// `metadata.filterMetadata["istio"]?["services"]?[0]?["host"]?.stringValue`.
public struct ConfigMetadata: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.core.v3.Metadata`.
    public static let configTypeName = "envoy.config.core.v3.Metadata"

    /// `filter_metadata`: namespace (e.g. `istio`, `envoy.lb`) → struct.
    public var filterMetadata: [String: MetadataValue]
    /// `typed_filter_metadata`: namespace → typed config.
    public var typedFilterMetadata: [String: TypedConfig]
    /// Where the metadata mapping starts.
    public var mark: Mark?

    /// Creates metadata.
    public init(filterMetadata: [String: MetadataValue] = [:], typedFilterMetadata: [String: TypedConfig] = [:]) {
        self.filterMetadata = filterMetadata
        self.typedFilterMetadata = typedFilterMetadata
        self.mark = nil
    }

    private enum CodingKeys: String, CodingKey {
        case filterMetadata = "filter_metadata"
        case typedFilterMetadata = "typed_filter_metadata"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        filterMetadata = try container.decodeIfPresent([String: MetadataValue].self, forKey: .filterMetadata) ?? [:]
        typedFilterMetadata =
            try container.decodeIfPresent([String: TypedConfig].self, forKey: .typedFilterMetadata) ?? [:]
        mark = decoder.configMark
    }
}
