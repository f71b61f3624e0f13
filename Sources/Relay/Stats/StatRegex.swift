import Synchronization

/// A compiled regular expression for stat names (tag extraction and stats matchers),
/// answering in UTF-8 byte offsets.
///
/// Patterns come from the operator's bootstrap (`stats_config`) and Envoy's built-in
/// tag rules, and run once per newly created stat, never per update or per request.
public struct StatRegex: Sendable {
    /// A pattern that does not compile.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        /// The pattern.
        public let pattern: String
        /// Why it does not compile.
        public let reason: String
        public var description: String { "invalid regex '\(pattern)': \(reason)" }
    }

    /// The first two capture groups of a match, as UTF-8 byte ranges of the subject.
    struct Match {
        var remove: Range<Int>?
        var value: Range<Int>?
    }

    /// The pattern as written.
    public let pattern: String
    /// The standard library's `Regex` is not `Sendable`; the store evaluates it under a lock,
    /// which costs nothing that matters here (it runs only when a stat is first created).
    private let compiled: Compiled

    private final class Compiled: Sendable {
        let regex: Mutex<Regex<AnyRegexOutput>>
        init(_ regex: consuming sending Regex<AnyRegexOutput>) { self.regex = Mutex(regex) }
    }

    /// Compiles `pattern`.
    public init(_ pattern: String) throws(Error) {
        self.pattern = pattern
        do {
            compiled = Compiled(try Regex(pattern))
        } catch {
            throw Error(pattern: pattern, reason: String(describing: error))
        }
    }

    /// Whether the pattern matches the whole of `subject` (Envoy's `safe_regex` semantics).
    public func wholeMatch(_ subject: String) -> Bool {
        compiled.regex.withLock { (try? $0.wholeMatch(in: subject)) != nil }
    }

    /// The first match anywhere in `subject`, with its first two groups.
    func firstMatch(in subject: String) -> Match? {
        compiled.regex.withLock { regex in
            guard let match = try? regex.firstMatch(in: subject) else { return nil }
            func offsets(_ group: Int) -> Range<Int>? {
                guard match.output.count > group, let range = match.output[group].range else { return nil }
                let lower = subject.utf8.distance(from: subject.startIndex, to: range.lowerBound)
                let upper = subject.utf8.distance(from: subject.startIndex, to: range.upperBound)
                return lower..<upper
            }
            return Match(remove: offsets(1), value: offsets(2))
        }
    }
}
