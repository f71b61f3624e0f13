/// Envoy's `type.matcher.v3.StringMatcher`: one of `exact`, `prefix`, `suffix`, `contains` or
/// `safe_regex`, optionally case-insensitive.
public struct StringMatcher: Sendable, Hashable, Decodable {
    /// What the matcher compares against.
    public enum Pattern: Sendable, Hashable {
        /// The whole value equals the string.
        case exact(String)
        /// The value starts with the string.
        case prefix(String)
        /// The value ends with the string.
        case suffix(String)
        /// The value contains the string.
        case contains(String)
        /// The whole value matches the regular expression (RE2-style full match).
        case safeRegex(String)
    }

    /// The pattern.
    public var pattern: Pattern
    /// Compare case-insensitively (ASCII). Ignored by `safe_regex`, as in Envoy.
    public var ignoreCase: Bool
    private let compiled: CompiledRegex?

    /// Creates a matcher; a `safeRegex` pattern is compiled here.
    ///
    /// - Throws: ``TLSConfigurationError`` if the regular expression does not compile.
    public init(_ pattern: Pattern, ignoreCase: Bool = false) throws {
        self.pattern = pattern
        self.ignoreCase = ignoreCase
        if case .safeRegex(let source) = pattern {
            do {
                compiled = CompiledRegex(try Regex(source))
            } catch {
                throw TLSConfigurationError(fieldPath: "safe_regex.regex", message: "invalid regular expression '\(source)': \(error)")
            }
        } else {
            compiled = nil
        }
    }

    private enum CodingKeys: String, CodingKey {
        case exact, prefix, suffix, contains
        case safeRegex = "safe_regex"
        case ignoreCase = "ignore_case"
    }

    private struct SafeRegex: Decodable {
        var regex: String
        private enum CodingKeys: String, CodingKey {
            case regex
            case googleRE2 = "google_re2"
        }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            regex = try container.decode(String.self, forKey: .regex)
            _ = try container.decodeIfPresent(EmptyMessage.self, forKey: .googleRE2)
        }
    }

    /// Decodes a `StringMatcher`; exactly one pattern field must be present.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var patterns: [Pattern] = []
        if let value = try container.decodeIfPresent(String.self, forKey: .exact) { patterns.append(.exact(value)) }
        if let value = try container.decodeIfPresent(String.self, forKey: .prefix) { patterns.append(.prefix(value)) }
        if let value = try container.decodeIfPresent(String.self, forKey: .suffix) { patterns.append(.suffix(value)) }
        if let value = try container.decodeIfPresent(String.self, forKey: .contains) { patterns.append(.contains(value)) }
        if let value = try container.decodeIfPresent(SafeRegex.self, forKey: .safeRegex) {
            patterns.append(.safeRegex(value.regex))
        }
        guard patterns.count == 1, let pattern = patterns.first else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "a string matcher needs exactly one of exact, prefix, suffix, contains or safe_regex"
                )
            )
        }
        let ignoreCase = try container.decodeIfPresent(Bool.self, forKey: .ignoreCase) ?? false
        do {
            try self.init(pattern, ignoreCase: ignoreCase)
        } catch let error as TLSConfigurationError {
            throw DecodingError.dataCorruptedError(forKey: .safeRegex, in: container, debugDescription: error.message)
        }
    }

    /// Whether `value` matches.
    public func matches(_ value: String) -> Bool {
        switch pattern {
        case .exact(let s): return ignoreCase ? value.asciiLowercased() == s.asciiLowercased() : value == s
        case .prefix(let s): return ignoreCase ? value.asciiLowercased().hasPrefix(s.asciiLowercased()) : value.hasPrefix(s)
        case .suffix(let s): return ignoreCase ? value.asciiLowercased().hasSuffix(s.asciiLowercased()) : value.hasSuffix(s)
        case .contains(let s):
            return ignoreCase ? value.asciiLowercased().contains(s.asciiLowercased()) : value.contains(s)
        case .safeRegex:
            guard let compiled else { return false }
            return (try? compiled.regex.wholeMatch(in: value)) != nil
        }
    }

    /// Matchers are equal when their patterns and case flags are.
    public static func == (lhs: StringMatcher, rhs: StringMatcher) -> Bool {
        lhs.pattern == rhs.pattern && lhs.ignoreCase == rhs.ignoreCase
    }

    /// Hashes the pattern and case flag.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(pattern)
        hasher.combine(ignoreCase)
    }
}

/// A compiled regular expression. `Regex` is immutable once built; it is shared read-only.
private final class CompiledRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// An empty protobuf message (`{}`), accepted and ignored.
struct EmptyMessage: Decodable {}

extension String {
    /// ASCII-only lowercasing, as Envoy's `absl::AsciiStrToLower`.
    func asciiLowercased() -> String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        return String(decoding: utf8.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
