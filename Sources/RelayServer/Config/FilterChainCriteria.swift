import Relay
import RelayConfig

/// `filter_chain_match` → the matcher's criteria, with Envoy's load-time checks.
enum FilterChainCriteria {
    static func make(_ match: FilterChainMatch?, mark: Mark) throws -> FilterChainMatchCriteria {
        guard let match else { return FilterChainMatchCriteria() }
        let at = match.mark ?? mark
        var criteria = FilterChainMatchCriteria()
        if let port = match.destinationPort {
            guard (1...65535).contains(port) else {
                throw ConfigError("destination_port must be between 1 and 65535, found \(port)", at: at)
            }
            criteria.destinationPort = port
        }
        criteria.prefixRanges = try ranges(match.prefixRanges, at: at)
        criteria.directSourcePrefixRanges = try ranges(match.directSourcePrefixRanges, at: at)
        criteria.sourcePrefixRanges = try ranges(match.sourcePrefixRanges, at: at)
        criteria.serverNames = try match.serverNames.map { name in
            let lower = name.lowercased()
            if lower.contains("*") && !(lower.hasPrefix("*.") && !lower.dropFirst(2).contains("*")) {
                throw ConfigError(
                    "partial wildcards are not supported in server_names: '\(name)' (expected an exact name or '*.suffix')",
                    at: at
                )
            }
            return lower
        }
        criteria.transportProtocol = match.transportProtocol
        criteria.applicationProtocols = match.applicationProtocols
        switch match.sourceType {
        case .any: criteria.sourceType = .any
        case .sameIPOrLoopback: criteria.sourceType = .sameIPOrLoopback
        case .external: criteria.sourceType = .external
        }
        criteria.sourcePorts = match.sourcePorts
        return criteria
    }

    private static func ranges(_ list: [CidrRange], at: Mark) throws -> [CIDRRange] {
        try list.map { range in
            guard let cidr = CIDRRange(address: range.addressPrefix, prefixLength: range.prefixLength) else {
                throw ConfigError("invalid CIDR range '\(range)': expected an IP address and a prefix length that fits it", at: range.mark ?? at)
            }
            return cidr
        }
    }
}
