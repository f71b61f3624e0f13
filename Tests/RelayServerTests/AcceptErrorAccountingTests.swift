import NIOCore
import Relay
import Testing

@testable import RelayServer

#if canImport(Glibc)
import Glibc
#endif

/// A failed accept for lack of file descriptors counts `downstream_global_cx_overflow`; every
/// failure may log, at most once per interval, with the suppressed count in the next line.
@Suite struct AcceptErrorAccountingTests {
    let store = StatsStore()

    func makeAccounting() -> AcceptErrorAccounting {
        let scope = store.root.scope("listener", taggedValue: "front", tagName: "envoy.listener_stat_prefix")
        return AcceptErrorAccounting(stats: ListenerStats(scope: scope), listenerName: "front")
    }

    var overflow: UInt64 { store.existingCounter("listener.front.downstream_global_cx_overflow")?.value ?? 0 }

    @Test func descriptorExhaustionCountsTheGlobalOverflowStat() {
        var accounting = makeAccounting()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        #expect(accounting.record(errno: EMFILE, at: start) != nil)
        #expect(accounting.record(errno: ENFILE, at: start + .milliseconds(1)) == nil)
        #expect(overflow == 2)
        // Not a descriptor shortage: logged (when due) but not counted.
        _ = accounting.record(errno: ECONNABORTED, at: start + .milliseconds(2))
        #expect(overflow == 2)
    }

    @Test func logLinesAreRateLimitedAndReportWhatWasSuppressed() throws {
        var accounting = makeAccounting()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let firstLine = accounting.record(errno: EMFILE, at: start)
        let first = try #require(firstLine)
        #expect(first.contains("front"))
        #expect(first.contains("errno \(EMFILE)"))
        for step in 1...1000 {
            #expect(accounting.record(errno: EMFILE, at: start + .milliseconds(Int64(step))) == nil)
        }
        let nextLine = accounting.record(errno: EMFILE, at: start + AcceptErrorAccounting.logInterval)
        let next = try #require(nextLine)
        #expect(next.contains("1000 more"))
        #expect(overflow == 1002)
    }
}
