/// A position in a configuration source: file name plus 1-based line and column.
///
/// Columns count Unicode scalars, as libyaml does. A mark whose `line` is 0 names a whole
/// file (used for errors such as "cannot read file") and renders as just the file name.
///
/// Two marks are equal when file name, line and column are equal; the attached source
/// text (used to print the offending line in errors) does not take part.
public struct Mark: Sendable, Hashable, CustomStringConvertible {
    /// The file name the position refers to (`<config-yaml>` for inline `--config-yaml` text).
    public var fileName: String
    /// 1-based line number (0 = no particular line).
    public var line: Int
    /// 1-based column number, counted in Unicode scalars (0 = no particular column).
    public var column: Int
    /// The source text the mark points into, if known.
    let source: SourceText?

    /// Creates a mark. `line` and `column` are 1-based.
    public init(fileName: String, line: Int, column: Int) {
        self.init(fileName: fileName, line: line, column: column, source: nil)
    }

    init(fileName: String, line: Int, column: Int, source: SourceText?) {
        self.fileName = fileName
        self.line = line
        self.column = column
        self.source = source
    }

    /// A mark naming a whole file, without a position.
    public static func file(_ fileName: String) -> Mark {
        Mark(fileName: fileName, line: 0, column: 0)
    }

    /// The full text of the source line this mark points at, if the source is known.
    public var sourceLine: String? {
        guard line > 0 else { return nil }
        return source?.line(line)
    }

    /// `file:line:col`, or just `file` for a mark without a position.
    public var description: String {
        line > 0 ? "\(fileName):\(line):\(column)" : fileName
    }

    /// `line:col` without the file name.
    public var lineAndColumn: String { "\(line):\(column)" }

    public static func == (lhs: Mark, rhs: Mark) -> Bool {
        lhs.fileName == rhs.fileName && lhs.line == rhs.line && lhs.column == rhs.column
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fileName)
        hasher.combine(line)
        hasher.combine(column)
    }
}
