/// Envoy's `SubjectAltNameMatcher`: a typed SAN check used by `match_typed_subject_alt_names`.
public struct SubjectAltNameMatcher: Sendable, Hashable, Decodable {
    /// Which SAN entries of the peer certificate the matcher looks at.
    public enum SANType: String, Sendable, Hashable, Decodable {
        /// Unset; matches nothing.
        case unspecified = "SAN_TYPE_UNSPECIFIED"
        /// Email (rfc822Name) SANs.
        case email = "EMAIL"
        /// DNS SANs; a certificate's `*.a.com` matches `exact: api.a.com`.
        case dns = "DNS"
        /// URI SANs (SPIFFE identities).
        case uri = "URI"
        /// IP address SANs, compared in their text form.
        case ipAddress = "IP_ADDRESS"
        /// otherName SANs (not extracted; never matches).
        case otherName = "OTHER_NAME"
    }

    /// The SAN type to inspect.
    public var sanType: SANType
    /// The string matcher applied to each SAN of that type.
    public var matcher: StringMatcher
    /// The OID for `OTHER_NAME` matchers.
    public var oid: String?

    /// Creates a matcher.
    public init(sanType: SANType, matcher: StringMatcher, oid: String? = nil) {
        self.sanType = sanType
        self.matcher = matcher
        self.oid = oid
    }

    private enum CodingKeys: String, CodingKey {
        case sanType = "san_type"
        case matcher
        case oid
    }

    /// Decodes `{san_type, matcher, oid}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sanType = try container.decodeIfPresent(SANType.self, forKey: .sanType) ?? .unspecified
        matcher = try container.decode(StringMatcher.self, forKey: .matcher)
        oid = try container.decodeIfPresent(String.self, forKey: .oid)
    }

    /// Whether any SAN of the matching type satisfies the matcher.
    func matches(_ names: SubjectAltNames) -> Bool {
        switch sanType {
        case .dns: return names.dns.contains { Self.dnsMatches(san: $0, matcher: matcher) }
        case .uri: return names.uri.contains { matcher.matches($0) }
        case .email: return names.email.contains { matcher.matches($0) }
        case .ipAddress: return names.ip.contains { matcher.matches($0) }
        case .unspecified, .otherName: return false
        }
    }

    /// Envoy's DNS SAN rule: an `exact` matcher also accepts a certificate wildcard covering it.
    static func dnsMatches(san: String, matcher: StringMatcher) -> Bool {
        if case .exact(let name) = matcher.pattern {
            return dnsNameMatch(name: name, pattern: san)
        }
        return matcher.matches(san)
    }

    /// Case-insensitive DNS name comparison where a pattern `*.a.com` covers exactly one label.
    static func dnsNameMatch(name: String, pattern: String) -> Bool {
        let name = Array(name.asciiLowercased().utf8)
        let pattern = Array(pattern.asciiLowercased().utf8)
        if name == pattern { return true }
        guard pattern.count > 1, pattern[0] == UInt8(ascii: "*"), pattern[1] == UInt8(ascii: ".") else {
            return false
        }
        let suffix = pattern.dropFirst()  // ".a.com"
        guard name.count > suffix.count else { return false }
        let labelLength = name.count - suffix.count
        return !name[..<labelLength].contains(UInt8(ascii: ".")) && name[labelLength...].elementsEqual(suffix)
    }
}
