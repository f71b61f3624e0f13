import NIOCore
import Relay
import RelayConfig

/// A listener's `filter_chain_matcher`, compiled at config load: chain names resolved to
/// indices, CIDR ranges parsed and ordered most specific first, prefix maps ordered longest
/// first, regexes compiled. Selection walks the tree reading only the inputs it needs.
///
/// Semantics follow `xds.type.matcher.v3.Matcher`: a list takes the first field matcher whose
/// predicate holds; a nested matcher that does not match (and has no `on_no_match`) makes
/// its field matcher not match, so evaluation goes on with the next one and finally with
/// `on_no_match`. A prefix map tries the longest matching prefix first; an IP matcher the most
/// specific range first (stopping at an `exclusive` one).
struct UnifiedFilterChainMatcher: Sendable {
    indirect enum OnMatch: Sendable {
        case chain(Int)
        case matcher(Node)
    }

    indirect enum Predicate: Sendable {
        case value(NetworkMatchInput, ValueMatch)
        case ipRanges(NetworkMatchInput, [CIDRMask])
        case and([Predicate])
        case or([Predicate])
        case not(Predicate)
    }

    struct ValueMatch: Sendable {
        enum Pattern: Sendable {
            case exact(String)
            case prefix(String)
            case suffix(String)
            case contains(String)
            case regex(PerThreadRegex)
        }
        let pattern: Pattern
        let ignoreCase: Bool

        func matches(_ value: String) -> Bool {
            if case .regex(let regex) = pattern { return regex.wholeMatch(value) }
            let subject = ignoreCase ? value.lowercased() : value
            switch pattern {
            case .exact(let text): return subject == text
            case .prefix(let text): return subject.hasPrefix(text)
            case .suffix(let text): return subject.hasSuffix(text)
            case .contains(let text): return subject.contains(text)
            case .regex: return false
            }
        }
    }

    struct IPEntry: Sendable {
        let range: CIDRMask
        let onMatch: OnMatch
        let exclusive: Bool
    }

    enum Kind: Sendable {
        case none
        case list([(Predicate, OnMatch)])
        case exact(NetworkMatchInput, [String: OnMatch])
        /// An exact map over a port input whose keys are all port numbers: no formatting.
        case exactPort(NetworkMatchInput, [Int: OnMatch])
        /// An exact map over an IP input whose keys are all addresses as Envoy prints them.
        case exactAddress(NetworkMatchInput, [IPAddressValue: OnMatch])
        /// Longest prefix first.
        case prefix(NetworkMatchInput, [(String, OnMatch)])
        /// Most specific range first.
        case ip(NetworkMatchInput, [IPEntry])
    }

    struct Node: Sendable {
        let kind: Kind
        let onNoMatch: OnMatch?
    }

    let root: Node

    /// Compiles `config`; every action must name one of `chainNames`.
    /// - Throws: `ConfigError` at the action naming an unknown chain, or at a bad regex.
    init(_ config: FilterChainMatcherConfig, chainNames: [String: Int]) throws {
        root = try Self.compile(config, chainNames)
    }

    /// The index of the selected chain, or nil when nothing matched (then the default chain
    /// applies, if any).
    func select(_ data: NetworkMatchingData) -> Int? {
        Self.evaluate(root, data)
    }

    // MARK: - Evaluation

    private static func evaluate(_ node: Node, _ data: NetworkMatchingData) -> Int? {
        switch node.kind {
        case .none:
            break
        case .list(let entries):
            for (predicate, onMatch) in entries where holds(predicate, data) {
                if let chain = resolve(onMatch, data) { return chain }
            }
        case .exact(let input, let map):
            if let value = data.value(of: input), let onMatch = map[value], let chain = resolve(onMatch, data) {
                return chain
            }
        case .exactPort(let input, let map):
            if let port = data.port(of: input), let onMatch = map[port], let chain = resolve(onMatch, data) {
                return chain
            }
        case .exactAddress(let input, let map):
            if let address = data.address(of: input), let onMatch = map[address], let chain = resolve(onMatch, data) {
                return chain
            }
        case .prefix(let input, let entries):
            if let value = data.value(of: input) {
                for (prefix, onMatch) in entries where value.hasPrefix(prefix) {
                    if let chain = resolve(onMatch, data) { return chain }
                }
            }
        case .ip(let input, let entries):
            if let address = data.address(of: input) {
                for entry in entries where entry.range.contains(address) {
                    if let chain = resolve(entry.onMatch, data) { return chain }
                    if entry.exclusive { break }
                }
            }
        }
        return node.onNoMatch.flatMap { resolve($0, data) }
    }

    private static func resolve(_ onMatch: OnMatch, _ data: NetworkMatchingData) -> Int? {
        switch onMatch {
        case .chain(let index): return index
        case .matcher(let node): return evaluate(node, data)
        }
    }

    private static func holds(_ predicate: Predicate, _ data: NetworkMatchingData) -> Bool {
        switch predicate {
        case .value(let input, let match):
            guard let value = data.value(of: input) else { return false }
            return match.matches(value)
        case .ipRanges(let input, let ranges):
            guard let address = data.address(of: input) else { return false }
            return ranges.contains { $0.contains(address) }
        case .and(let list): return list.allSatisfy { holds($0, data) }
        case .or(let list): return list.contains { holds($0, data) }
        case .not(let inner): return !holds(inner, data)
        }
    }

    // MARK: - Compilation

    private static func compile(_ config: FilterChainMatcherConfig, _ names: [String: Int]) throws -> Node {
        let kind: Kind
        switch config.matcherType {
        case nil:
            kind = .none
        case .list(let matchers):
            kind = .list(try matchers.map { (try compile($0.predicate, names), try compile($0.onMatch, names)) })
        case .tree(let tree):
            switch tree.tree {
            case .exact(let entries):
                let ports = entries.compactMap { Int($0.key) }.filter { (0...65535).contains($0) }
                if tree.input == .destinationPort || tree.input == .sourcePort, ports.count == entries.count,
                    entries.allSatisfy({ String(Int($0.key)!) == $0.key })
                {
                    var map: [Int: OnMatch] = [:]
                    for entry in entries { map[Int(entry.key)!] = try compile(entry.onMatch, names) }
                    kind = .exactPort(tree.input, map)
                } else if tree.input.isIPAddress, let addresses = canonicalAddresses(entries.map(\.key)) {
                    var map: [IPAddressValue: OnMatch] = [:]
                    for (entry, address) in zip(entries, addresses) { map[address] = try compile(entry.onMatch, names) }
                    kind = .exactAddress(tree.input, map)
                } else {
                    var map: [String: OnMatch] = [:]
                    for entry in entries { map[entry.key] = try compile(entry.onMatch, names) }
                    kind = .exact(tree.input, map)
                }
            case .prefix(let entries):
                let sorted = entries.enumerated().sorted { lhs, rhs in
                    lhs.element.key.utf8.count != rhs.element.key.utf8.count
                        ? lhs.element.key.utf8.count > rhs.element.key.utf8.count : lhs.offset < rhs.offset
                }
                kind = .prefix(tree.input, try sorted.map { ($0.element.key, try compile($0.element.onMatch, names)) })
            case .ipRanges(let matchers):
                var entries: [(IPEntry, Int)] = []
                for (order, matcher) in matchers.enumerated() {
                    let onMatch = try compile(matcher.onMatch, names)
                    for range in matcher.ranges {
                        entries.append((IPEntry(range: try cidr(range), onMatch: onMatch, exclusive: matcher.exclusive), order))
                    }
                }
                entries.sort { lhs, rhs in
                    lhs.0.range.prefixLength != rhs.0.range.prefixLength
                        ? lhs.0.range.prefixLength > rhs.0.range.prefixLength : lhs.1 < rhs.1
                }
                kind = .ip(tree.input, entries.map(\.0))
            }
        }
        return Node(kind: kind, onNoMatch: try config.onNoMatch.map { try compile($0, names) })
    }

    private static func compile(_ onMatch: MatcherOnMatch, _ names: [String: Int]) throws -> OnMatch {
        switch onMatch.target {
        case .filterChain(let name):
            guard let index = names[name.value] else {
                let known = names.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw ConfigError(
                    "filter_chain_matcher action names filter chain '\(name.value)', which does not exist"
                        + (known.isEmpty ? "" : " (filter chains: \(known))"),
                    at: name.mark
                )
            }
            return .chain(index)
        case .matcher(let nested):
            return .matcher(try compile(nested, names))
        }
    }

    private static func compile(_ predicate: MatcherPredicate, _ names: [String: Int]) throws -> Predicate {
        switch predicate {
        case .value(let input, let matcher):
            return .value(input, try compile(matcher))
        case .ipRanges(let input, let ranges):
            return .ipRanges(input, try ranges.map(cidr))
        case .and(let list): return .and(try list.map { try compile($0, names) })
        case .or(let list): return .or(try list.map { try compile($0, names) })
        case .not(let inner): return .not(try compile(inner, names))
        }
    }

    private static func compile(_ matcher: MatcherStringMatcher) throws -> ValueMatch {
        func folded(_ text: String) -> String { matcher.ignoreCase ? text.lowercased() : text }
        switch matcher.pattern {
        case .exact(let text): return ValueMatch(pattern: .exact(folded(text)), ignoreCase: matcher.ignoreCase)
        case .prefix(let text): return ValueMatch(pattern: .prefix(folded(text)), ignoreCase: matcher.ignoreCase)
        case .suffix(let text): return ValueMatch(pattern: .suffix(folded(text)), ignoreCase: matcher.ignoreCase)
        case .contains(let text): return ValueMatch(pattern: .contains(folded(text)), ignoreCase: matcher.ignoreCase)
        case .regex(let pattern):
            do {
                return ValueMatch(pattern: .regex(try PerThreadRegex(pattern)), ignoreCase: false)
            } catch {
                throw ConfigError("\(error)", at: matcher.mark)
            }
        }
    }

    private static func cidr(_ range: CidrRange) throws -> CIDRMask {
        guard let cidr = CIDRRange(address: range.addressPrefix, prefixLength: range.prefixLength) else {
            throw ConfigError("invalid CIDR range '\(range)'", at: range.mark ?? .file("<unknown>"))
        }
        return CIDRMask(cidr)
    }

    /// The keys as addresses, if every key is an address written exactly as Envoy prints one
    /// (so that comparing addresses equals comparing Envoy's text); else nil.
    private static func canonicalAddresses(_ keys: [String]) -> [IPAddressValue]? {
        var addresses: [IPAddressValue] = []
        for key in keys {
            guard let socket = try? SocketAddress(ipAddress: key, port: 0), socket.ipAddress == key,
                let address = IPAddressValue(socket)
            else { return nil }
            addresses.append(address)
        }
        return addresses
    }
}
