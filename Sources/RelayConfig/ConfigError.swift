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

    /// `file:line:col: error: message`, then the source line and a caret under the column.
    public var description: String {
        var text = "\(mark): error: \(message)"
        guard let sourceLine, mark.column >= 1 else { return text }
        text += "\n" + sourceLine + "\n"
        // Keep tabs so the caret lines up with the source in a terminal.
        var indent = ""
        for (index, scalar) in sourceLine.unicodeScalars.enumerated() where index < mark.column - 1 {
            indent.append(scalar == "\t" ? "\t" : " ")
        }
        let missing = mark.column - 1 - indent.unicodeScalars.count
        if missing > 0 { indent += String(repeating: " ", count: missing) }
        return text + indent + "^"
    }
}
