/// `envoy.config.core.v3.Locality`: where a node or endpoint runs.
public struct Locality: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.core.v3.Locality`.
    public static let configTypeName = "envoy.config.core.v3.Locality"

    /// `region`.
    public var region: String
    /// `zone`.
    public var zone: String
    /// `sub_zone`.
    public var subZone: String

    /// Creates a locality.
    public init(region: String = "", zone: String = "", subZone: String = "") {
        self.region = region
        self.zone = zone
        self.subZone = subZone
    }

    private enum CodingKeys: String, CodingKey {
        case region, zone
        case subZone = "sub_zone"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        region = try container.decodeIfPresent(String.self, forKey: .region) ?? ""
        zone = try container.decodeIfPresent(String.self, forKey: .zone) ?? ""
        subZone = try container.decodeIfPresent(String.self, forKey: .subZone) ?? ""
    }
}
