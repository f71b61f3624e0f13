#if canImport(Glibc)
import Glibc
#endif

/// The regular expression of `/stats?filter=<regex>`: Envoy's RE2 syntax, partial match on the
/// flat stat name (`cluster.backend.upstream_cx_total`).
///
/// Evaluation must never stall the process, so the pattern is not run on Swift's backtracking
/// `Regex` (where `(.*)(.*)(.*)(.*)x` takes minutes). It is translated to a POSIX extended
/// expression and run by glibc's `regexec` with `REG_NOSUB`, which simulates a DFA built lazily
/// from the pattern's NFA: without back-references (refused, as RE2 refuses them) the cost per
/// name is bounded by the name's length times the pattern's size, with no backtracking. The
/// pattern's size is capped (length, RE2's repetition limit of 1000, and the size after
/// expanding counted repetitions), so compiling cannot blow up either.
final class StatsNameFilter {
    /// Why a pattern was refused; the admin server answers 400 with Envoy's text and this reason.
    struct Invalid: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Longest accepted pattern, in bytes.
    static let maximumPatternLength = 1024
    /// RE2's largest `{n,m}` bound.
    static let maximumRepetition = 1000
    /// Largest size of the pattern with every counted repetition expanded.
    static let maximumExpandedSize = 20_000

    /// The pattern as given.
    let pattern: String
    private let compiled: UnsafeMutablePointer<regex_t>

    init(_ pattern: String) throws(Invalid) {
        guard pattern.utf8.count <= Self.maximumPatternLength else {
            throw Invalid(reason: "pattern longer than \(Self.maximumPatternLength) bytes")
        }
        let extended = try Self.translate(pattern)
        let size = try Self.expandedSize(of: extended)
        guard size <= Self.maximumExpandedSize else {
            throw Invalid(reason: "pattern too large once repetitions are expanded (\(size) > \(Self.maximumExpandedSize))")
        }
        // Compile before any stored property is set: a throwing init of a fully initialized
        // class runs deinit, which must only ever see a compiled expression.
        let expression = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let status = regcomp(expression, extended, REG_EXTENDED | REG_NOSUB)
        guard status == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(status, expression, &message, message.count)
            expression.deallocate()
            throw Invalid(reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.pattern = pattern
        compiled = expression
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// Whether the pattern matches anywhere in `name`.
    func matches(_ name: String) -> Bool {
        name.withCString { regexec(compiled, $0, 0, nil, 0) == 0 }
    }

    // MARK: - RE2 to POSIX ERE

    /// Rewrites the RE2 forms stat filters use into POSIX ERE: `\d \s \w` (and negations),
    /// `(?:…)`, lazy quantifiers (equal to greedy ones for a yes/no match), `\A \z`, `\Q…\E`-free
    /// escapes of punctuation. RE2 features with no linear ERE form are refused by name.
    static func translate(_ pattern: String) throws(Invalid) -> String {
        let characters = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        var inBracket = false
        var bracketStart = 0
        func append(_ text: String) { out.append(contentsOf: text.unicodeScalars) }
        while index < characters.count {
            let c = characters[index]
            if inBracket {
                if c == "]" && index > bracketStart {
                    inBracket = false
                    out.append(c)
                } else if c == "[" && index + 1 < characters.count && characters[index + 1] == ":" {
                    // A POSIX class `[:alpha:]` inside a bracket: copy through its closing `:]`.
                    var end = index + 2
                    while end + 1 < characters.count && !(characters[end] == ":" && characters[end + 1] == "]") { end += 1 }
                    guard end + 1 < characters.count else { throw Invalid(reason: "missing ']'") }
                    for scalar in characters[index...(end + 1)] { out.append(scalar) }
                    index = end + 1
                } else if c == "\\" {
                    guard index + 1 < characters.count else { throw Invalid(reason: "trailing '\\'") }
                    let next = characters[index + 1]
                    switch next {
                    case "d": append("0-9")
                    case "s": append("[:space:]")
                    case "w": append("[:alnum:]_")
                    case "n": append("\n")
                    case "t": append("\t")
                    case "]", "^", "-", "D", "S", "W":
                        throw Invalid(reason: "'\\\(next)' inside [] is not supported")
                    default:
                        guard !isLetterOrDigit(next) else { throw Invalid(reason: "unsupported escape '\\\(next)'") }
                        out.append(next)  // In a POSIX bracket, punctuation is literal.
                    }
                    index += 1
                } else {
                    out.append(c)
                }
                index += 1
                continue
            }
            switch c {
            case "[":
                inBracket = true
                out.append(c)
                // `[^` and a leading `]` are part of the bracket's start.
                var start = index + 1
                if start < characters.count && characters[start] == "^" {
                    out.append("^")
                    start += 1
                }
                bracketStart = start
                index = start
                continue
            case "\\":
                guard index + 1 < characters.count else { throw Invalid(reason: "trailing '\\'") }
                let next = characters[index + 1]
                switch next {
                case "d": append("[0-9]")
                case "D": append("[^0-9]")
                case "s": append("[[:space:]]")
                case "S": append("[^[:space:]]")
                case "w": append("[[:alnum:]_]")
                case "W": append("[^[:alnum:]_]")
                case "A": append("^")
                case "z": append("$")
                case "b", "B": append("\\" + String(next))
                case "n": append("\n")
                case "t": append("\t")
                case "1"..."9": throw Invalid(reason: "back-references are not supported")
                default:
                    guard !isLetterOrDigit(next) else { throw Invalid(reason: "unsupported escape '\\\(next)'") }
                    append("\\" + String(next))
                }
                index += 2
                continue
            case "(":
                if index + 1 < characters.count && characters[index + 1] == "?" {
                    guard index + 2 < characters.count && characters[index + 2] == ":" else {
                        throw Invalid(reason: "only (?:…) groups are supported, not flags or named groups")
                    }
                    out.append("(")
                    index += 3
                    continue
                }
                out.append(c)
            case "*", "+", "?":
                out.append(c)
                // A lazy quantifier matches the same names as the greedy one.
                if index + 1 < characters.count && characters[index + 1] == "?" { index += 1 }
            case "{", "}":
                if c == "{", let end = repetitionEnd(characters, from: index) {
                    for scalar in characters[index...end] { out.append(scalar) }
                    index = end
                    if index + 1 < characters.count && characters[index + 1] == "?" { index += 1 }
                } else {
                    // Not a repetition: RE2 reads a literal brace.
                    append("\\" + String(c))
                }
            default:
                out.append(c)
            }
            index += 1
        }
        guard !inBracket else { throw Invalid(reason: "missing ']'") }
        return String(out)
    }

    /// The index of the `}` closing a repetition `{n}`, `{n,}` or `{n,m}` that starts at `start`.
    private static func repetitionEnd(_ characters: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        var digits = 0
        var comma = false
        while index < characters.count {
            let c = characters[index]
            if ("0"..."9").contains(c) {
                if !comma { digits += 1 }
            } else if c == "," && !comma && digits > 0 {
                comma = true
            } else if c == "}" && digits > 0 {
                return index
            } else {
                return nil
            }
            index += 1
        }
        return nil
    }

    private static func isLetterOrDigit(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    /// The size of an ERE with counted repetitions expanded (`(ab){3}` is 6): the number of
    /// NFA nodes regcomp builds grows with it, so it bounds compile time and memory.
    static func expandedSize(of extended: String) throws(Invalid) -> Int {
        let characters = Array(extended.unicodeScalars)
        var stack: [Int] = [0]  // running size of each open group
        var lastAtom = 0
        var index = 0
        while index < characters.count {
            let c = characters[index]
            switch c {
            case "\\":
                index += 1
                lastAtom = 1
                stack[stack.count - 1] += 1
            case "[":
                // Skip the bracket: `[^]…]`, `[]…]`, classes `[:x:]`.
                var end = index + 1
                if end < characters.count && characters[end] == "^" { end += 1 }
                if end < characters.count && characters[end] == "]" { end += 1 }
                while end < characters.count && characters[end] != "]" {
                    if characters[end] == "[" && end + 1 < characters.count && ":.=".unicodeScalars.contains(characters[end + 1]) {
                        let close = characters[end + 1]
                        end += 2
                        while end + 1 < characters.count && !(characters[end] == close && characters[end + 1] == "]") { end += 1 }
                        end += 2
                    } else {
                        end += 1
                    }
                }
                index = end
                lastAtom = 1
                stack[stack.count - 1] += 1
            case "(":
                stack.append(0)
                lastAtom = 0
            case ")":
                guard stack.count > 1 else { throw Invalid(reason: "unmatched ')'") }
                lastAtom = stack.removeLast()
                stack[stack.count - 1] += lastAtom
            case "{":
                var end = index + 1
                while end < characters.count && characters[end] != "}" { end += 1 }
                guard end < characters.count else { throw Invalid(reason: "missing '}'") }
                let bounds = String(String.UnicodeScalarView(characters[(index + 1)..<end])).split(separator: ",", omittingEmptySubsequences: false)
                guard (1...2).contains(bounds.count), let low = Int(bounds[0].isEmpty ? "0" : bounds[0]),
                    bounds.count == 1 || bounds[1].isEmpty || Int(bounds[1]) != nil
                else {
                    throw Invalid(reason: "bad repetition operator")
                }
                // Bound `low` before `low + 1`: `{9223372036854775807,}` would overflow.
                guard low <= maximumRepetition else {
                    throw Invalid(reason: "bad repetition operator (bounds at most \(maximumRepetition))")
                }
                let high = bounds.count == 2 ? (bounds[1].isEmpty ? low + 1 : Int(bounds[1])!) : low
                guard high <= maximumRepetition, low <= high || (bounds.count == 2 && bounds[1].isEmpty) else {
                    throw Invalid(reason: "bad repetition operator (bounds at most \(maximumRepetition))")
                }
                let copies = max(low, high, 1)
                let added = lastAtom.multipliedReportingOverflow(by: copies - 1)
                guard !added.overflow else { throw Invalid(reason: "pattern too large") }
                stack[stack.count - 1] += added.partialValue
                lastAtom = lastAtom.multipliedReportingOverflow(by: copies).overflow ? Int.max / 2 : lastAtom * copies
                guard stack[stack.count - 1] <= maximumExpandedSize else {
                    throw Invalid(reason: "pattern too large once repetitions are expanded (> \(maximumExpandedSize))")
                }
                index = end
            case "*", "+", "?", "|", "^", "$":
                break
            default:
                lastAtom = 1
                stack[stack.count - 1] += 1
            }
            index += 1
        }
        return stack.reduce(0, +)
    }
}

@available(*, unavailable)
extension StatsNameFilter: Sendable {}
