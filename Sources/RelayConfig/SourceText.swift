/// The immutable text of one configuration source, split into lines, so that errors can
/// quote the offending line long after parsing.
final class SourceText: Sendable {
    /// The source lines without their line terminators.
    let lines: [String]

    init(_ text: String) {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(line)
            if line.hasSuffix("\r") { line = line.dropLast() }
            lines.append(String(line))
        }
        self.lines = lines
    }

    /// The 1-based line `number`, or nil when out of range.
    func line(_ number: Int) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }
}
