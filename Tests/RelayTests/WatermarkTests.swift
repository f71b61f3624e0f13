import NIOCore
import Relay
import RelayTestKit
import Testing

/// Read- and write-buffer watermarks, against spec §1.4 (high = limit, low = limit / 2).
@Suite("Connection: watermarks")
struct WatermarkTests {
    // MARK: - Read buffer

    /// A harness whose only filter keeps every byte it is given until `drainTo` says otherwise.
    private func makeHolding(limit: Int, log: CallLog = CallLog()) -> (FilterHarness, ScriptedReadFilter) {
        let filter = ScriptedReadFilter("A", log: log)
        filter.onDataBody = { _, _ in .stopIteration }
        let harness = FilterHarness(bufferLimit: limit) { $0.addReadFilter(filter) }
        return (harness, filter)
    }

    /// Makes the filter drain until `remaining` bytes are left, then pause.
    private func drain(_ filter: ScriptedReadFilter, leaving remaining: Int) {
        filter.onDataBody = { data, _ in
            data.moveReaderIndex(forwardBy: max(0, data.readableBytes - remaining))
            return .stopIteration
        }
    }

    @Test("read buffer above the limit disables transport reads; bytes are still dispatched")
    func readAboveHighDisablesTransport() {
        let (harness, filter) = makeHolding(limit: 10)
        harness.receive(String(repeating: "a", count: 11))
        #expect(harness.transport.isReadEnabled == false)
        // The watermark is not a user read-disable: dispatch goes on.
        #expect(harness.connection.isReadEnabled)
        harness.receive("b")
        #expect(filter.dataCalls.count == 2)
        #expect(filter.dataCalls.last?.data.count == 12)
    }

    @Test("a read buffer exactly at the limit is not above it")
    func readAtLimitNotAbove() {
        let (harness, _) = makeHolding(limit: 10)
        harness.receive(String(repeating: "a", count: 10))
        #expect(harness.transport.isReadEnabled)
        #expect(harness.transport.readEnabledHistory.isEmpty)
    }

    @Test("reads resume when the buffer drains to half the limit, not before")
    func readBelowLowReenables() {
        let (harness, filter) = makeHolding(limit: 10)
        harness.receive(String(repeating: "a", count: 12))
        #expect(harness.transport.isReadEnabled == false)

        drain(filter, leaving: 6)
        harness.receive("b")
        #expect(harness.transport.isReadEnabled == false)

        drain(filter, leaving: 5)
        harness.receive("c")
        #expect(harness.transport.isReadEnabled)
        #expect(harness.transport.readEnabledHistory == [false, true])
    }

    @Test("continueReading that drains the buffer re-enables transport reads")
    func continueReadingDrainsBelowLow() throws {
        let log = CallLog()
        let holder = ScriptedReadFilter("A", log: log)
        holder.onDataBody = { _, _ in .stopIteration }
        let taker = ScriptedReadFilter("B", log: log)
        taker.drainAll()
        let harness = FilterHarness(bufferLimit: 10) { chain in
            chain.addReadFilter(holder)
            chain.addReadFilter(taker)
        }
        harness.receive(String(repeating: "a", count: 20))
        #expect(harness.transport.isReadEnabled == false)
        try #require(holder.callbacks).continueReading()
        #expect(harness.transport.isReadEnabled)
    }

    @Test("a user read-disable outlives the read watermark")
    func userDisableOutlivesWatermark() {
        let (harness, filter) = makeHolding(limit: 10)
        harness.connection.readDisable(true)
        harness.receive(String(repeating: "a", count: 11))
        #expect(harness.transport.isReadEnabled == false)
        drain(filter, leaving: 0)
        harness.connection.readDisable(false)
        // Enabling the user side alone does not resume reads while above the watermark.
        #expect(harness.transport.isReadEnabled == false)
        harness.drain()
        #expect(filter.dataCalls.map(\.data.count) == [11])
        #expect(harness.transport.isReadEnabled)
        #expect(harness.transport.readEnabledHistory == [false, true])
    }

    @Test("a limit of 0 disables read watermarks")
    func readLimitZero() {
        let (harness, _) = makeHolding(limit: 0)
        harness.receive(String(repeating: "a", count: 100_000))
        #expect(harness.transport.isReadEnabled)
        #expect(harness.transport.readEnabledHistory.isEmpty)
    }

    // MARK: - Write buffer

    @Test("write watermarks reach every ConnectionCallbacks and every read filter")
    func writeWatermarksReachEveryone() {
        let log = CallLog()
        let observer1 = ConnectionObserver("c1", log: log)
        let observer2 = ConnectionObserver("c2", log: log)
        let a = ScriptedReadFilter("A", log: log)
        let b = ScriptedReadFilter("B", log: log)
        let harness = FilterHarness { chain in
            chain.connection.addConnectionCallbacks(observer1)
            chain.addReadFilter(a)
            chain.addReadFilter(b)
            chain.connection.addConnectionCallbacks(observer2)
        }
        log.clear()
        harness.setWriteBufferAboveHighWatermark(true)
        #expect(harness.connection.isAboveHighWatermark)
        #expect(Set(log.entries) == ["c1.above", "c2.above", "A.above", "B.above"])
        #expect(log.entries.firstIndex(of: "c1.above")! < log.entries.firstIndex(of: "c2.above")!)
        #expect(log.entries.firstIndex(of: "A.above")! < log.entries.firstIndex(of: "B.above")!)

        log.clear()
        harness.setWriteBufferAboveHighWatermark(false)
        #expect(harness.connection.isAboveHighWatermark == false)
        #expect(Set(log.entries) == ["c1.below", "c2.below", "A.below", "B.below"])
    }

    @Test("write watermark events fire only on transitions")
    func writeWatermarkTransitionsOnly() {
        let observer = ConnectionObserver()
        let filter = ScriptedReadFilter("A", log: CallLog())
        let harness = FilterHarness { chain in
            chain.addReadFilter(filter)
            chain.connection.addConnectionCallbacks(observer)
        }
        // Below without a preceding above: nothing.
        harness.setWriteBufferAboveHighWatermark(false)
        #expect(observer.belowLowWatermarkCalls == 0)
        harness.setWriteBufferAboveHighWatermark(true)
        harness.setWriteBufferAboveHighWatermark(true)
        #expect(observer.aboveHighWatermarkCalls == 1)
        #expect(filter.aboveHighWatermarkCalls == 1)
        harness.setWriteBufferAboveHighWatermark(false)
        harness.setWriteBufferAboveHighWatermark(false)
        #expect(observer.belowLowWatermarkCalls == 1)
        #expect(filter.belowLowWatermarkCalls == 1)
        harness.setWriteBufferAboveHighWatermark(true)
        #expect(observer.aboveHighWatermarkCalls == 2)
        #expect(filter.aboveHighWatermarkCalls == 2)
    }

    @Test("a removed read filter hears no watermark events")
    func removedFilterNotNotified() {
        let filter = ScriptedReadFilter("A", log: CallLog())
        let harness = FilterHarness { $0.addReadFilter(filter) }
        harness.connection.removeReadFilter(filter)
        harness.setWriteBufferAboveHighWatermark(true)
        #expect(filter.aboveHighWatermarkCalls == 0)
    }

    @Test("a limit of 0 disables write watermark events")
    func writeLimitZero() {
        let observer = ConnectionObserver()
        let filter = ScriptedReadFilter("A", log: CallLog())
        let harness = FilterHarness(bufferLimit: 0) { chain in
            chain.addReadFilter(filter)
            chain.connection.addConnectionCallbacks(observer)
        }
        harness.setWriteBufferAboveHighWatermark(true)
        #expect(observer.aboveHighWatermarkCalls == 0)
        #expect(filter.aboveHighWatermarkCalls == 0)
        #expect(harness.connection.isAboveHighWatermark == false)
    }

    @Test("no write watermark events after close")
    func noEventsAfterClose() {
        let observer = ConnectionObserver()
        let harness = FilterHarness { $0.connection.addConnectionCallbacks(observer) }
        harness.connection.close(.noFlush)
        harness.setWriteBufferAboveHighWatermark(true)
        #expect(observer.aboveHighWatermarkCalls == 0)
    }

    @Test("a filter can apply backpressure from the watermark hooks")
    func backpressureFromHooks() {
        let filter = ScriptedReadFilter("A", log: CallLog())
        let harness = FilterHarness { $0.addReadFilter(filter) }
        final class Pauser: ConnectionCallbacks {
            unowned let connection: NetworkConnection
            init(_ connection: NetworkConnection) { self.connection = connection }
            func onEvent(_ event: ConnectionEvent) {}
            func onAboveWriteBufferHighWatermark() { connection.readDisable(true) }
            func onBelowWriteBufferLowWatermark() { connection.readDisable(false) }
        }
        let pauser = Pauser(harness.connection)
        harness.connection.addConnectionCallbacks(pauser)
        harness.setWriteBufferAboveHighWatermark(true)
        harness.receive("abc")
        #expect(filter.dataCalls.isEmpty)
        harness.setWriteBufferAboveHighWatermark(false)
        #expect(filter.dataCalls.map(\.data) == ["abc"])
    }
}
