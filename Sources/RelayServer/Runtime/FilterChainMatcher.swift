import NIOCore

#if canImport(Glibc)
import Glibc
#endif
import Relay

/// A CIDR range (`address_prefix` / `prefix_len`).
struct CIDRRange: Sendable, Hashable, CustomStringConvertible {
    let address: [UInt8]
    let prefixLength: Int

    /// Parses `address/len`; nil if the address is not an IP literal or the length is out
    /// of range.
    init?(address: String, prefixLength: Int?) {
        guard let bytes = IPAddressBytes.parse(address) else { return nil }
        let length = prefixLength ?? bytes.count * 8
        guard length >= 0, length <= bytes.count * 8 else { return nil }
        self.address = bytes
        self.prefixLength = length
    }

    func contains(_ ip: [UInt8]) -> Bool {
        guard ip.count == address.count else { return false }
        var remaining = prefixLength
        for i in 0..<ip.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if ip[i] & mask != address[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    var description: String {
        (address.count == 4 ? address.map(String.init).joined(separator: ".") : "ipv6") + "/\(prefixLength)"
    }
}

/// IP address helpers.
enum IPAddressBytes {
    static func parse(_ text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        return bytes(of: address)
    }

    static func bytes(of address: SocketAddress?) -> [UInt8]? {
        guard let address else { return nil }
        // sockaddr_in keeps the address at offset 4 (4 bytes); sockaddr_in6 at offset 8 (16).
        switch address {
        case .v4:
            return address.withSockAddr { pointer, _ in
                let raw = UnsafeRawPointer(pointer)
                return (4..<8).map { raw.load(fromByteOffset: $0, as: UInt8.self) }
            }
        case .v6:
            return address.withSockAddr { pointer, _ in
                let raw = UnsafeRawPointer(pointer)
                return (8..<24).map { raw.load(fromByteOffset: $0, as: UInt8.self) }
            }
        default:
            return nil
        }
    }

    static func isLoopback(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        if bytes.count == 16 {
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            // IPv4-mapped loopback ::ffff:127.x.x.x
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127 {
                return true
            }
        }
        return false
    }
}

/// A filter chain's `filter_chain_match`, resolved.
struct FilterChainMatchCriteria: Sendable, Hashable {
    enum SourceType: Sendable, Hashable {
        case any, sameIPOrLoopback, external
    }

    var destinationPort: Int?
    var prefixRanges: [CIDRRange] = []
    var serverNames: [String] = []
    var transportProtocol: String = ""
    var applicationProtocols: [String] = []
    var directSourcePrefixRanges: [CIDRRange] = []
    var sourceType: SourceType = .any
    var sourcePrefixRanges: [CIDRRange] = []
    var sourcePorts: [Int] = []
}

/// What the matcher looks at for one socket.
struct FilterChainMatchInput {
    var destinationPort: Int?
    var destinationIP: [UInt8]?
    var serverName: String
    var transportProtocol: String
    var applicationProtocols: [String]
    var directSourceIP: [UInt8]?
    var sourceIP: [UInt8]?
    var sourcePort: Int?
}

/// Envoy's filter-chain selection (`FilterChainManagerImpl::findFilterChain`): nine levels in
/// a fixed order; at each level the most specific matching branch is chosen and the search
/// commits to it — no backtracking to a less specific branch.
struct FilterChainMatcher: Sendable {
    let criteria: [FilterChainMatchCriteria]

    /// The index of the chosen chain, or nil (then the default chain, if any, applies).
    func select(_ input: FilterChainMatchInput) -> Int? {
        var candidates = Array(criteria.indices)
        // 1. Destination port: an exact-port branch wins outright; else the port-less one.
        candidates = narrow(candidates) { c in
            guard let port = c.destinationPort else { return .wildcard }
            return port == input.destinationPort ? .exact(0) : .mismatch
        }
        // 2. Destination IP: longest prefix.
        candidates = narrowByPrefix(candidates, ip: input.destinationIP) { $0.prefixRanges }
        // 3. Server name: exact, then the longest wildcard suffix, then chains without names.
        candidates = narrowByServerName(candidates, name: input.serverName.lowercased())
        // 4. Transport protocol.
        candidates = narrow(candidates) { c in
            if c.transportProtocol.isEmpty { return .wildcard }
            return c.transportProtocol == input.transportProtocol ? .exact(0) : .mismatch
        }
        // 5. Application protocols: the first of the client's list present in any chain.
        candidates = narrowByALPN(candidates, offered: input.applicationProtocols)
        // 6. Direct source IP.
        candidates = narrowByPrefix(candidates, ip: input.directSourceIP) { $0.directSourcePrefixRanges }
        // 7. Source type.
        candidates = narrowBySourceType(candidates, input: input)
        // 8. Source IP.
        candidates = narrowByPrefix(candidates, ip: input.sourceIP) { $0.sourcePrefixRanges }
        // 9. Source port.
        candidates = narrow(candidates) { c in
            if c.sourcePorts.isEmpty { return .wildcard }
            guard let port = input.sourcePort else { return .mismatch }
            return c.sourcePorts.contains(port) ? .exact(0) : .mismatch
        }
        return candidates.first
    }

    private enum Specificity {
        /// Matches with this score (higher is more specific).
        case exact(Int)
        /// The criterion is unset on the chain.
        case wildcard
        case mismatch
    }

    /// Keeps the candidates at the most specific level that any candidate reaches.
    private func narrow(_ candidates: [Int], _ score: (FilterChainMatchCriteria) -> Specificity) -> [Int] {
        var best = -1
        var scored: [(Int, Int)] = []
        scored.reserveCapacity(candidates.count)
        for index in candidates {
            let value: Int
            switch score(criteria[index]) {
            case .exact(let s): value = s + 1
            case .wildcard: value = 0
            case .mismatch: continue
            }
            scored.append((index, value))
            best = max(best, value)
        }
        return scored.filter { $0.1 == best }.map(\.0)
    }

    private func narrowByPrefix(_ candidates: [Int], ip: [UInt8]?, ranges: (FilterChainMatchCriteria) -> [CIDRRange])
        -> [Int]
    {
        narrow(candidates) { c in
            let list = ranges(c)
            if list.isEmpty { return .wildcard }
            // Non-IP sockets match as 255.255.255.255: only the catch-all (prefix 0) matches.
            let address = ip ?? [255, 255, 255, 255]
            let best = list.filter { $0.contains(address) }.map(\.prefixLength).max()
            guard let best else { return .mismatch }
            return best == 0 ? .wildcard : .exact(best)
        }
    }

    private func narrowByServerName(_ candidates: [Int], name: String) -> [Int] {
        if !name.isEmpty {
            let exact = candidates.filter { criteria[$0].serverNames.contains(name) }
            if !exact.isEmpty { return exact }
            var suffix = Substring(name)
            while let dot = suffix.firstIndex(of: ".") {
                suffix = suffix[suffix.index(after: dot)...]
                let wildcard = "*." + suffix
                let matches = candidates.filter { criteria[$0].serverNames.contains(wildcard) }
                if !matches.isEmpty { return matches }
            }
        }
        return candidates.filter { criteria[$0].serverNames.isEmpty }
    }

    private func narrowByALPN(_ candidates: [Int], offered: [String]) -> [Int] {
        for proto in offered {
            let matches = candidates.filter { criteria[$0].applicationProtocols.contains(proto) }
            if !matches.isEmpty { return matches }
        }
        return candidates.filter { criteria[$0].applicationProtocols.isEmpty }
    }

    private func narrowBySourceType(_ candidates: [Int], input: FilterChainMatchInput) -> [Int] {
        let isLocal: Bool = {
            guard let source = input.sourceIP else { return true }
            if IPAddressBytes.isLoopback(source) { return true }
            return source == input.destinationIP
        }()
        let wanted: FilterChainMatchCriteria.SourceType = isLocal ? .sameIPOrLoopback : .external
        let specific = candidates.filter { criteria[$0].sourceType == wanted }
        if !specific.isEmpty { return specific }
        return candidates.filter { criteria[$0].sourceType == .any }
    }
}
