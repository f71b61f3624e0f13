import NIOCore
import Relay
import RelayTestKit
import Testing

/// Reference-counted `readDisable(_:)` and re-dispatch of buffered bytes, against spec §1.3.
@Suite("Connection: readDisable")
struct ReadDisableTests {
    private func makeHarness(log: CallLog = CallLog()) -> (FilterHarness, ScriptedReadFilter) {
        let filter = ScriptedReadFilter("A", log: log)
        let harness = FilterHarness { $0.addReadFilter(filter) }
        return (harness, filter)
    }

    @Test("readDisable(true) stops reading: the transport stops and nothing is dispatched")
    func disableStopsDispatch() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(true)
        #expect(harness.connection.isReadEnabled == false)
        #expect(harness.transport.isReadEnabled == false)
        harness.receive("abc")
        #expect(filter.dataCalls.isEmpty)
        #expect(harness.connection.bytesRead == 3)
    }

    @Test("n disables need n enables; the transport only hears the transitions")
    func referenceCounted() {
        let (harness, filter) = makeHarness()
        let connection = harness.connection
        connection.readDisable(true)
        connection.readDisable(true)
        connection.readDisable(true)
        harness.receive("abc")
        connection.readDisable(false)
        connection.readDisable(false)
        harness.drain()
        #expect(connection.isReadEnabled == false)
        #expect(harness.transport.isReadEnabled == false)
        #expect(filter.dataCalls.isEmpty)

        connection.readDisable(false)
        #expect(connection.isReadEnabled)
        #expect(harness.transport.readEnabledHistory == [false, true])
        harness.drain()
        #expect(filter.dataCalls.map(\.data) == ["abc"])
    }

    @Test("re-enabling re-dispatches buffered bytes on the next loop turn, all at once")
    func redispatchNeedsLoop() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(true)
        harness.receive("abc")
        harness.receive("def")
        harness.connection.readDisable(false)
        // Not synchronously: the re-dispatch is posted to the loop.
        #expect(filter.dataCalls.isEmpty)
        harness.drain()
        #expect(filter.dataCalls.map(\.data) == ["abcdef"])
        #expect(harness.forwardedString == "abcdef")
    }

    @Test("re-enabling re-presents bytes a stopping filter left, from filter #1")
    func redispatchLeftoverBytes() {
        let (harness, filter) = makeHarness()
        var pass = 0
        filter.onDataBody = { [unowned filter] _, _ in
            pass += 1
            if pass == 1 {
                // Keep the bytes and pause reading until later.
                filter.callbacks?.connection.readDisable(true)
                return .stopIteration
            }
            return .continue
        }
        harness.receive("abc")
        #expect(harness.forwardedCalls == 0)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(filter.dataCalls.map(\.data) == ["abc", "abc"])
        #expect(harness.forwardedString == "abc")
    }

    @Test("re-enabling with nothing buffered dispatches nothing")
    func enableWithNothingBuffered() {
        let log = CallLog()
        let (harness, _) = makeHarness(log: log)
        log.clear()
        harness.connection.readDisable(true)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(log.entries.isEmpty)
    }

    @Test("disabling again before the loop runs cancels the re-dispatch")
    func redisableBeforeLoop() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(true)
        harness.receive("abc")
        harness.connection.readDisable(false)
        harness.connection.readDisable(true)
        harness.drain()
        #expect(filter.dataCalls.isEmpty)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(filter.dataCalls.map(\.data) == ["abc"])
    }

    @Test("several enable/disable cycles before the loop runs dispatch once")
    func cyclesDispatchOnce() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(true)
        harness.receive("abc")
        for _ in 0..<3 {
            harness.connection.readDisable(false)
            harness.connection.readDisable(true)
        }
        harness.connection.readDisable(false)
        harness.drain()
        #expect(filter.dataCalls.map(\.data) == ["abc"])
    }

    @Test("an enable without a matching disable is ignored (the count never goes negative)")
    func extraEnableIgnored() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(false)
        harness.connection.readDisable(false)
        #expect(harness.connection.isReadEnabled)
        #expect(harness.transport.readEnabledHistory.isEmpty)
        harness.connection.readDisable(true)
        #expect(harness.connection.isReadEnabled == false)
        harness.receive("abc")
        #expect(filter.dataCalls.isEmpty)
    }

    @Test("readDisable on a closed connection does nothing")
    func closedConnection() {
        let (harness, _) = makeHarness()
        harness.connection.close(.noFlush)
        harness.connection.readDisable(true)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(harness.transport.readEnabledHistory.isEmpty)
    }

    @Test("a close while bytes await re-dispatch drops them")
    func closeCancelsRedispatch() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(true)
        harness.receive("abc")
        harness.connection.readDisable(false)
        harness.connection.close(.noFlush)
        harness.drain()
        #expect(filter.dataCalls.isEmpty)
    }

    @Test("half-close off: a FIN while read-disabled still closes the connection (early close detection)")
    func finWhileDisabledClosesWhenHalfCloseOff() {
        let (harness, filter) = makeHarness()
        harness.connection.readDisable(true)
        harness.receive("abc")
        harness.receiveEndOfStream()
        #expect(harness.events == [.connected, .remoteClose])
        #expect(filter.dataCalls.isEmpty)
    }
}
