import Foundation
import RelayConfig
import Testing

/// Inputs that used to crash, hang or exhaust memory (issue 9 §3): each must now be a
/// positioned ``ConfigError``, quickly.
@Suite struct HostileInputTests {
    /// A minimal bootstrap whose `node.metadata.x` holds `value` (a free-form field).
    static func metadataBootstrap(_ value: String) -> String {
        "node:\n  id: n\n  metadata:\n    x: \(value)\n"
    }

    // MARK: Nesting depth

    @Test func deeplyNestedFlowMappingsAreAnError() throws {
        let yaml = Self.metadataBootstrap(String(repeating: "{a: ", count: 3000) + "1" + String(repeating: "}", count: 3000))
        let error = try #require(bootstrapError(yaml, fileName: "deep.yaml"))
        #expect(error.hasPrefix("deep.yaml:4:"))
        #expect(error.contains("nested more than \(ConfigNode.maxNestingDepth) levels deep"))
    }

    @Test func deeplyNestedSequencesAreAnError() throws {
        let yaml = Self.metadataBootstrap(String(repeating: "[", count: 6000) + "1" + String(repeating: "]", count: 6000))
        let error = try #require(bootstrapError(yaml, fileName: "deep.yaml"))
        #expect(error.hasPrefix("deep.yaml:4:"))
        #expect(error.contains("nested more than \(ConfigNode.maxNestingDepth) levels deep"))
    }

    @Test func deeplyNestedBlockMappingsAreAnError() throws {
        var yaml = ""
        for level in 0..<300 { yaml += String(repeating: " ", count: level) + "k\(level):\n" }
        let error = try #require(bootstrapError(yaml, fileName: "block.yaml"))
        #expect(error.hasPrefix("block.yaml:"))
        #expect(error.contains("levels deep"))
    }

    @Test func nestingUpToTheLimitLoads() throws {
        // node.metadata is at depth 2 of the document; the value below adds the rest.
        let inner = ConfigNode.maxNestingDepth - 3
        let yaml = Self.metadataBootstrap(String(repeating: "[", count: inner) + "1" + String(repeating: "]", count: inner))
        #expect(bootstrapError(yaml) == nil)
        let tooDeep = Self.metadataBootstrap(
            String(repeating: "[", count: inner + 1) + "1" + String(repeating: "]", count: inner + 1)
        )
        #expect(bootstrapError(tooDeep) != nil)
    }

    // MARK: Alias expansion

    /// The "billion laughs" bomb: ten levels of nine aliases each.
    static let aliasBomb: String = {
        var lines = ["node:", "  id: n", "  metadata:", "    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1..<10 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("    a\(level): &a\(level) [\(refs)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func aliasBombIsAnError() throws {
        let start = ContinuousClock.now
        let error = try #require(bootstrapError(Self.aliasBomb, fileName: "bomb.yaml"))
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(error.hasPrefix("bomb.yaml:"))
        #expect(error.contains("aliases expand to more than"))
    }

    @Test func tooManyAliasReferencesAreAnError() throws {
        let count = ConfigNode.maxAliasReferences + 1
        let yaml = "node:\n  id: n\n  metadata:\n    a: &a x\n    b: [" + Array(repeating: "*a", count: count).joined(separator: ", ")
            + "]\n"
        let error = try #require(bootstrapError(yaml, fileName: "refs.yaml"))
        #expect(error.hasPrefix("refs.yaml:5:"))
        #expect(error.contains("more than \(ConfigNode.maxAliasReferences) alias references"))
    }

    @Test func modestAliasUseStillLoads() throws {
        var lines = ["node:", "  id: n", "  metadata:", "    base: &base {a: 1, b: [1, 2, 3], c: {d: e}}", "    copies:"]
        for index in 0..<1000 { lines.append("    - {<<: *base, n: \(index)}") }
        #expect(bootstrapError(lines.joined(separator: "\n") + "\n") == nil)
    }

    // MARK: Large mappings

    @Test func twentyThousandKeyMappingLoadsInLinearTime() throws {
        var yaml = "node:\n  id: n\n  metadata:\n"
        for index in 0..<20_000 { yaml += "    k\(index): v\(index)\n" }
        let start = ContinuousClock.now
        let bootstrap = try BootstrapLoader().load(yaml: yaml, fileName: "wide.yaml")
        // Took ~11 s in release (minutes in debug) with a linear key lookup per key.
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(bootstrap.node?.metadata["k19999"]?.stringValue == "v19999")
    }

    @Test func duplicateKeyInWideMappingIsFound() throws {
        var yaml = "node:\n  id: n\n  metadata:\n"
        for index in 0..<5000 { yaml += "    k\(index): v\n" }
        yaml += "    k17: again\n"
        let error = try #require(bootstrapError(yaml, fileName: "dup.yaml"))
        #expect(error.hasPrefix("dup.yaml:5004:5: error: duplicate key 'k17' (first given at 21:5)"))
    }

    @Test func wideMappingLookupFindsFirstEntryAndCamelCase() throws {
        var entries: [ConfigNode.Mapping.Entry] = []
        let mark = Mark(fileName: "m", line: 1, column: 1)
        func scalar(_ text: String) -> ConfigNode { .scalar(.init(value: text, style: .plain, tag: nil, mark: mark)) }
        for index in 0..<100 { entries.append(.init(key: scalar("k\(index)"), value: scalar("\(index)"))) }
        entries.append(.init(key: scalar("k5"), value: scalar("second")))
        var mapping = ConfigNode.Mapping(entries: entries, mark: mark)
        #expect(mapping["k5"]?.string == "5")
        #expect(mapping["k99"]?.string == "99")
        #expect(mapping["missing"] == nil)
        mapping.entries.append(.init(key: scalar("added"), value: scalar("yes")))
        #expect(mapping["added"]?.string == "yes")
        mapping.entries.removeFirst()
        #expect(mapping["k0"] == nil)
        #expect(mapping["k1"]?.string == "1")
    }

    @Test func mergingWideMappingsIsLinear() throws {
        var base = "m:\n"
        var top = "m:\n"
        for index in 0..<20_000 {
            base += "  k\(index): a\n"
            top += "  k\(index): b\n"
        }
        top += "  extraKey: c\n"
        let start = ContinuousClock.now
        let merged = try ConfigNode.parse(yaml: base, fileName: "b").merging(ConfigNode.parse(yaml: top, fileName: "t"))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(merged["m"]?["k123"]?.string == "b")
        #expect(merged["m"]?["extraKey"]?.string == "c")
        #expect(merged["m"]?.mapping?.entries.count == 20_001)
    }

    // MARK: Size limits

    @Test func oversizedFileIsRefusedWithoutReadingItAll() throws {
        let start = ContinuousClock.now
        do {
            _ = try BootstrapLoader().load(path: "/dev/zero")
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.description.hasPrefix("/dev/zero: error: configuration file is larger than 64 MiB"))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func oversizedInlineTextIsRefused() throws {
        let text = String(repeating: "#", count: ConfigNode.maxSourceBytes + 1)
        let error = try #require(bootstrapError(text, fileName: "big.yaml"))
        #expect(error.hasPrefix("big.yaml: error: configuration is larger than 64 MiB"))
    }

    @Test func longSourceLineIsTruncatedAroundTheColumn() throws {
        let filler = String(repeating: "a", count: 10_000_000)
        let yaml = "node:\n  id: x\n  cluster: \(filler) : [\n"
        let error = try #require(bootstrapError(yaml, fileName: "long.yaml"))
        #expect(error.utf8.count < 2000)
        let lines = error.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("long.yaml:3:"))
        // The caret still sits under the column it names.
        #expect(lines[2].last == "^")
        #expect(lines[1].count > lines[2].count - 1)
    }

    @Test func excerptWindowKeepsCaretUnderColumn() {
        let line = String(repeating: "x", count: 500) + "HERE" + String(repeating: "y", count: 500)
        let error = ConfigError(
            mark: Mark(fileName: "f", line: 1, column: 501),
            message: "bad",
            sourceLine: line
        )
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[1].count <= ConfigError.maxExcerptLength + 6)
        #expect(lines[1].hasPrefix("..."))
        #expect(lines[1].hasSuffix("..."))
        let caretOffset = lines[2].count - 1
        #expect(lines[2].last == "^")
        #expect(Array(lines[1])[caretOffset] == "H")
    }

    @Test func shortLinesAreEchoedWhole() {
        let error = ConfigError(mark: Mark(fileName: "f", line: 1, column: 3), message: "bad", sourceLine: "a: b")
        #expect(error.description == "f:1:3: error: bad\na: b\n  ^")
    }

    @Test func hugeMessageIsTruncated() {
        let error = ConfigError(
            mark: Mark(fileName: "f", line: 0, column: 0),
            message: "unknown field '" + String(repeating: "k", count: 1_000_000) + "'",
            sourceLine: nil
        )
        #expect(error.description.utf8.count < 10_000)
        #expect(error.description.hasPrefix("f: error: unknown field 'kkk"))
    }

    // MARK: Durations

    @Test(arguments: ["9223372037s", "315576000000s", "315576000000.999999999s"])
    func hugeClusterDurationsDoNotCrash(_ text: String) throws {
        let yaml = "static_resources:\n  clusters:\n  - name: c\n    connect_timeout: \(text)\n"
        // Within protobuf's range these load, saturating when converted to nanoseconds.
        #expect(bootstrapError(yaml, fileName: "d.yaml") == nil)
        let duration = try #require(ConfigDuration(parsing: text))
        #expect(duration.nanoseconds == .max)
        #expect(duration.milliseconds == Int64.max / 1_000_000)
    }

    @Test(arguments: ["999999999999s", "315576000001s", "99999999999999999999s", "-315576000001s"])
    func outOfRangeDurationsAreErrors(_ text: String) throws {
        #expect(ConfigDuration(parsing: text) == nil)
        let yaml = "static_resources:\n  clusters:\n  - name: c\n    connect_timeout: \(text)\n"
        let error = try #require(bootstrapError(yaml, fileName: "d.yaml"))
        #expect(error.hasPrefix("d.yaml:4:22: error: invalid duration"))
    }
}
