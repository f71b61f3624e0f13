/// One rule that pulls a tag out of a flat stat name, Envoy's `TagSpecifier`.
///
/// Three kinds, as in Envoy:
/// - a **token pattern** such as `cluster.$.**`: tokens are the name's dot-separated parts,
///   `*` matches one token, `**` any number, `$` one token that becomes the tag value; the
///   value and one adjoining dot are removed from the tag-extracted name;
/// - a **regular expression**: the first capture group is removed from the name, the second
///   (or, without one, the first) is the tag value; an optional substring must occur in the
///   name before the expression is tried, and an optional negative value is never extracted;
/// - a **fixed value**: the tag is added to every stat, nothing is removed.
public struct StatTagExtractor: Sendable {
    /// The tag name, e.g. `envoy.cluster_name`.
    public let name: String
    /// The first token a name must have for this rule to apply (`cluster`), or empty.
    public let prefixToken: String
    let kind: Kind

    enum Kind: Sendable {
        case tokens([Substring], matchIndex: Int)
        case pattern(StatRegex, substring: String, negativeMatch: String)
        case fixed(String)
    }

    /// A token pattern (`cluster.$.**`). Returns nil when the pattern has no `$` token.
    public init?(name: String, tokens pattern: String) {
        let tokens = pattern.split(separator: ".", omittingEmptySubsequences: false)
        guard let matchIndex = tokens.firstIndex(of: "$") else { return nil }
        self.name = name
        let first = tokens.first.map(String.init) ?? ""
        self.prefixToken = ["$", "*", "**"].contains(first) ? "" : first
        self.kind = .tokens(tokens, matchIndex: matchIndex)
    }

    /// A regular expression rule.
    /// - Throws: ``StatRegex/Error`` when `regex` does not compile.
    public init(name: String, regex: String, substring: String = "", negativeMatch: String = "") throws(StatRegex.Error) {
        self.name = name
        self.prefixToken = Self.regexPrefixToken(regex)
        self.kind = .pattern(try StatRegex(regex), substring: substring, negativeMatch: negativeMatch)
    }

    /// A fixed tag added to every stat.
    public init(name: String, fixedValue: String) {
        self.name = name
        self.prefixToken = ""
        self.kind = .fixed(fixedValue)
    }

    /// The literal first token of an anchored expression (`^cluster\.` → `cluster`), so the
    /// rule is only tried on names that start with it; empty when there is none.
    static func regexPrefixToken(_ regex: String) -> String {
        let scalars = Array(regex.unicodeScalars)
        guard scalars.first == "^" else { return "" }
        var index = 1
        while index < scalars.count, isWordScalar(scalars[index]) {
            index += 1
        }
        guard index > 1, index < scalars.count else { return "" }
        let rest = String(String.UnicodeScalarView(scalars[index...]))
        let isLast = index == scalars.count - 1
        guard (!isLast && (rest.hasPrefix("\\.") || rest.hasPrefix("(?=\\."))) || (isLast && rest == "$") else {
            return ""
        }
        return String(String.UnicodeScalarView(scalars[1..<index]))
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_": return true
        default: return false
        }
    }

    /// Applies the rule to `name` (split into `tokens`): on a match appends the tag and the
    /// UTF-8 byte range to remove from the name, and returns true.
    func extract(
        from name: String,
        tokens: [Substring],
        into tags: inout [StatTag],
        removing removals: inout [Range<Int>]
    ) -> Bool {
        switch kind {
        case .fixed(let value):
            tags.append(StatTag(self.name, value))
            return true
        case .tokens(let pattern, let matchIndex):
            guard let (tokenIndex, start) = Self.search(pattern, matchIndex: matchIndex, in: tokens) else { return false }
            let value = tokens[tokenIndex]
            var lower = start
            var upper = start + value.utf8.count
            if tokenIndex < tokens.count - 1 {
                upper += 1
            } else if lower > 0 {
                lower -= 1
            }
            tags.append(StatTag(self.name, String(value)))
            removals.append(lower..<upper)
            return true
        case .pattern(let regex, let substring, let negativeMatch):
            if !substring.isEmpty && !name.contains(substring) { return false }
            guard let match = regex.firstMatch(in: name), let removed = match.remove, !removed.isEmpty else {
                return false
            }
            let valueRange = (match.value?.isEmpty == false ? match.value : nil) ?? removed
            let utf8 = Array(name.utf8)
            let value = String(decoding: utf8[valueRange], as: UTF8.self)
            if !negativeMatch.isEmpty && negativeMatch == value { return false }
            tags.append(StatTag(self.name, value))
            removals.append(removed)
            return true
        }
    }

    /// Finds the `$` token: its index among `tokens` and its UTF-8 offset in the name.
    private static func search(_ pattern: [Substring], matchIndex: Int, in tokens: [Substring]) -> (Int, Int)? {
        var found: (Int, Int)?
        guard matches(pattern, matchIndex: matchIndex, tokens, tokenIndex: 0, patternIndex: 0, offset: 0, found: &found) else {
            return nil
        }
        return found
    }

    /// Whether `tokens[tokenIndex...]` matches `pattern[patternIndex...]`, recording the `$` token.
    private static func matches(
        _ pattern: [Substring],
        matchIndex: Int,
        _ tokens: [Substring],
        tokenIndex startToken: Int,
        patternIndex startPattern: Int,
        offset startOffset: Int,
        found: inout (Int, Int)?
    ) -> Bool {
        var tokenIndex = startToken
        var patternIndex = startPattern
        var offset = startOffset
        while tokenIndex < tokens.count && patternIndex < pattern.count {
            if patternIndex == matchIndex {
                found = (tokenIndex, offset)
            } else if pattern[patternIndex] == "**" {
                if patternIndex == pattern.count - 1 { return true }
                // `**` before more pattern: try every suffix of the name against the rest.
                for candidate in tokenIndex..<tokens.count {
                    if matches(pattern, matchIndex: matchIndex, tokens, tokenIndex: candidate, patternIndex: patternIndex + 1, offset: offset, found: &found) {
                        return true
                    }
                    offset += tokens[candidate].utf8.count + 1
                }
                return false
            } else if pattern[patternIndex] != "*" && pattern[patternIndex] != tokens[tokenIndex] {
                return false
            }
            offset += tokens[tokenIndex].utf8.count + 1
            tokenIndex += 1
            patternIndex += 1
        }
        return tokenIndex == tokens.count && patternIndex == pattern.count
    }
}
