import NIOPosix
import Relay

/// A `safe_regex` value matcher for per-connection matching (`filter_chain_matcher`).
///
/// The standard library's `Regex` is not `Sendable`, so a shared copy needs a lock that every
/// event loop takes for every new connection. Instead each thread compiles its own copy the first
/// time it matches, and keeps it: matching takes no lock and shares nothing between loops.
final class PerThreadRegex: @unchecked Sendable {
    // @unchecked: the only mutable state is the thread-specific slot, whose value is created,
    // read and freed by one thread only.
    private final class Compiled {
        let regex: Regex<AnyRegexOutput>
        init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
    }

    /// The pattern as written.
    let pattern: String
    private let compiled = ThreadSpecificVariable<Compiled>()

    /// Compiles `pattern` once to validate it; each thread compiles its own copy on first use.
    init(_ pattern: String) throws(StatRegex.Error) {
        _ = try StatRegex(pattern)
        self.pattern = pattern
    }

    /// Whether the pattern matches the whole of `subject` (Envoy's `safe_regex` semantics).
    func wholeMatch(_ subject: String) -> Bool {
        let local: Compiled
        if let existing = compiled.currentValue {
            local = existing
        } else {
            // Validated in `init`: compiling the same pattern again cannot fail.
            guard let regex = try? Regex(pattern) else { return false }
            local = Compiled(regex)
            compiled.currentValue = local
        }
        return (try? local.regex.wholeMatch(in: subject)) != nil
    }
}
