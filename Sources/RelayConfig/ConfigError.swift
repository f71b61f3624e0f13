/// A configuration error with a source position, rendered compiler-style:
///
/// ```
/// envoy.yaml:12:9: error: unknown field 'foo' in envoy.config.cluster.v3.Cluster
///         foo: 1
///         ^
/// ```
///
/// Every error thrown by `RelayConfig` (YAML syntax errors, decoding errors and semantic
/// validation errors) is a `ConfigError`. Code built on top (filter registries, cluster
/// resolution) should throw `ConfigError`s too, using the marks found in the model.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// Where the problem is.
    public var mark: Mark
    /// What is wrong, without position or the `error:` prefix.
    public var message: String
    /// The text of the source line at `mark`, if known; printed under the message with a caret.
    public var sourceLine: String?

    /// Creates an error at `mark`. The source line defaults to the line the mark points into
    /// (known for marks produced by the parser).
    public init(_ message: String, at mark: Mark) {
        self.init(mark: mark, message: message, sourceLine: mark.sourceLine)
    }

    /// Creates an error with an explicit (or no) source line.
    public init(mark: Mark, message: String, sourceLine: String?) {
        self.mark = mark
        self.message = message
        self.sourceLine = sourceLine
    }

    /// The most Unicode scalars of the source line echoed under the message; longer lines
    /// are cut to a window around the column, with `...` marking each cut.
    public static let maxExcerptLength = 160

    /// The most Unicode scalars of the message rendered; the rest is elided.
    public static let maxMessageLength = 4096

    /// `file:line:col: error: message`, then the source line (or a window of it around the
    /// column, for long lines) and a caret under the column.
    public var description: String {
        var text = "\(mark): error: \(Self.elided(message))"
        guard let sourceLine, mark.column >= 1 else { return text }
        let (excerpt, caretOffset) = Self.excerpt(of: sourceLine, column: mark.column)
        text += "\n" + excerpt + "\n"
        // Keep tabs so the caret lines up with the source in a terminal.
        var indent = ""
        for (index, scalar) in excerpt.unicodeScalars.enumerated() where index < caretOffset {
            indent.append(scalar == "\t" ? "\t" : " ")
        }
        let missing = caretOffset - indent.unicodeScalars.count
        if missing > 0 { indent += String(repeating: " ", count: missing) }
        return text + indent + "^"
    }

    /// `line` cut to at most ``maxExcerptLength`` scalars around the 1-based `column`, and
    /// the 0-based offset of that column in the result.
    static func excerpt(of line: String, column: Int) -> (text: String, caretOffset: Int) {
        let scalars = line.unicodeScalars
        let offset = column - 1
        // Cheap length check first: most lines are short.
        guard line.utf8.count > maxExcerptLength, scalars.count > maxExcerptLength else { return (line, offset) }
        let count = scalars.count
        let start = max(0, min(offset - maxExcerptLength / 2, count - maxExcerptLength))
        let end = min(count, start + maxExcerptLength)
        let lower = scalars.index(scalars.startIndex, offsetBy: start)
        let upper = scalars.index(lower, offsetBy: end - start)
        var text = String(scalars[lower..<upper])
        var caretOffset = offset - start
        if start > 0 {
            text = "..." + text
            caretOffset += 3
        }
        if end < count { text += "..." }
        return (text, caretOffset)
    }

    /// `message`, or its first ``maxMessageLength`` scalars and a note of how much was left out.
    static func elided(_ message: String) -> String {
        guard message.utf8.count > maxMessageLength, message.unicodeScalars.count > maxMessageLength else {
            return message
        }
        let scalars = message.unicodeScalars
        let cut = scalars.index(scalars.startIndex, offsetBy: maxMessageLength)
        return String(scalars[..<cut]) + "... (\(scalars.count - maxMessageLength) more characters)"
    }
}
