import CustomFilters
import NIOCore
import Relay
import RelayTestKit
import Testing

/// `custom.uppercase` in the test kit's harness: no sockets.
@Suite struct UppercaseFilterTests {
    static func harness(_ yaml: String, stats: StatsStore = StatsStore()) throws -> FilterHarness {
        let shared = try UppercaseFilter.Factory().prepare(yaml: yaml, context: .testing(stats: stats))
        return FilterHarness { chain in UppercaseFilter.Factory().makeFilters(shared, into: &chain) }
    }

    @Test func bothDirectionsByDefault() throws {
        let stats = StatsStore()
        let harness = try Self.harness("stat_prefix: shout", stats: stats)
        harness.receive("hello, World 42")
        #expect(harness.forwardedString == "HELLO, WORLD 42")
        harness.write("reply")
        #expect(harness.writtenString == "REPLY")
        #expect(stats.existingCounter("uppercase.shout.read_bytes_changed")?.value == 9)
        #expect(stats.existingCounter("uppercase.shout.written_bytes_changed")?.value == 5)
    }

    @Test func readOnlyLeavesWritesAlone() throws {
        let harness = try Self.harness("stat_prefix: shout\ndirection: READ")
        harness.receive(ByteBuffer(string: "abc"))
        harness.write(ByteBuffer(string: "xyz"))
        #expect(harness.forwardedString == "ABC")
        #expect(harness.writtenString == "xyz")
    }

    @Test func writeOnlyLeavesReadsAlone() throws {
        let harness = try Self.harness("stat_prefix: shout\ndirection: WRITE")
        harness.receive("abc")
        harness.write("xyz", endStream: true)
        #expect(harness.forwardedString == "abc")
        #expect(harness.writtenString == "XYZ")
    }

    @Test func endOfStreamPassesThrough() throws {
        let shared = try UppercaseFilter.Factory().prepare(yaml: "stat_prefix: shout", context: .testing())
        let harness = FilterHarness(halfClose: true) { chain in UppercaseFilter.Factory().makeFilters(shared, into: &chain) }
        harness.receive("last")
        harness.receiveEndOfStream()
        #expect(harness.forwardedString == "LAST")
        #expect(harness.forwardedEndStream)
    }

    @Test func configErrorsNameTheField() throws {
        #expect(throws: (any Error).self) {
            _ = try UppercaseFilter.Factory().decodeConfig(yaml: "stat_prefix: shout\ndirection: SIDEWAYS")
        }
        #expect(throws: (any Error).self) {
            _ = try UppercaseFilter.Factory().decodeConfig(yaml: "stat_prefix: shout\nunknown_field: 1")
        }
        let error = #expect(throws: FilterConfigError.self) {
            _ = try UppercaseFilter.Factory().prepare(yaml: "stat_prefix: ''", context: .testing())
        }
        #expect(error?.field == "stat_prefix")
    }
}
