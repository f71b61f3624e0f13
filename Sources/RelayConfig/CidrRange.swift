/// `envoy.config.core.v3.CidrRange`: an IP prefix.
public struct CidrRange: Sendable, Hashable, Decodable, ConfigTypeNaming, CustomStringConvertible {
    /// `envoy.config.core.v3.CidrRange`.
    public static let configTypeName = "envoy.config.core.v3.CidrRange"

    /// `address_prefix`: an IPv4 or IPv6 literal.
    public var addressPrefix: String
    /// `prefix_len` (≤ 32 for IPv4, ≤ 128 for IPv6; unset = 0).
    public var prefixLength: Int
    /// Where the range starts.
    public var mark: Mark?

    /// True if ``addressPrefix`` is IPv6.
    public var isIPv6: Bool { addressPrefix.contains(":") }

    /// Creates a range.
    public init(addressPrefix: String, prefixLength: Int) {
        self.addressPrefix = addressPrefix
        self.prefixLength = prefixLength
        self.mark = nil
    }

    /// `address/len`.
    public var description: String { "\(addressPrefix)/\(prefixLength)" }

    private enum CodingKeys: String, CodingKey {
        case addressPrefix = "address_prefix"
        case prefixLength = "prefix_len"
    }

    /// Decodes from YAML; the prefix must be an IP literal and the length fit its family.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let mark = decoder.configMark ?? .file("<unknown>")
        self.mark = mark
        let prefix = try container.decodeIfPresent(Marked<String>.self, forKey: .addressPrefix)
        guard let prefix, IPAddressLiteral.isIP(prefix.value) else {
            throw ConfigError(
                "'address_prefix' must be an IP address, found '\(prefix?.value ?? "")'",
                at: prefix?.mark ?? mark
            )
        }
        addressPrefix = prefix.value
        let length = try container.decodeIfPresent(Marked<UInt32>.self, forKey: .prefixLength)
        let maximum: UInt32 = addressPrefix.contains(":") ? 128 : 32
        if let length, length.value > maximum {
            throw ConfigError(
                "prefix_len \(length.value) is out of range for \(addressPrefix): must be at most \(maximum)",
                at: length.mark
            )
        }
        prefixLength = Int(length?.value ?? 0)
    }
}
