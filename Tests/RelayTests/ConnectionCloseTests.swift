import NIOCore
import Relay
import RelayTestKit
import Testing

/// `close(_:)` types, close events and the connection's life, against spec §1.3.
@Suite("Connection: close")
struct ConnectionCloseTests {
    private func makeHarness(log: CallLog = CallLog()) -> (FilterHarness, ScriptedReadFilter, ConnectionObserver) {
        let filter = ScriptedReadFilter("A", log: log)
        let observer = ConnectionObserver()
        let harness = FilterHarness { chain in
            chain.addReadFilter(filter)
            chain.connection.addConnectionCallbacks(observer)
        }
        return (harness, filter, observer)
    }

    @Test("a new server connection raises Connected once its filters are initialized")
    func connectedEvent() {
        let (harness, _, observer) = makeHarness()
        #expect(harness.events == [.connected])
        #expect(observer.events == [.connected])
        #expect(harness.connection.state == .open)
    }

    @Test("flushWrite: Closing meanwhile, transport closed after flush, LocalClose when it finishes")
    func flushWrite() {
        let (harness, _, observer) = makeHarness()
        harness.write("pending")
        harness.connection.close(.flushWrite)
        #expect(harness.connection.state == .closing)
        #expect(harness.transport.closeMode == .afterFlush)
        #expect(observer.events == [.connected])
        #expect(harness.writtenString == "pending")

        harness.drain()
        #expect(harness.connection.state == .closed)
        #expect(observer.events == [.connected, .localClose])
        #expect(harness.events == [.connected, .localClose])
    }

    @Test("flushWrite stops reading while the flush is pending")
    func flushWriteStopsReading() {
        let (harness, filter, _) = makeHarness()
        harness.connection.close(.flushWrite)
        #expect(harness.transport.isReadEnabled == false)
        harness.connection.transportRead(ByteBuffer(string: "late"))
        #expect(filter.dataCalls.isEmpty)
    }

    @Test("writes while a flushing close is pending are ignored")
    func writeWhileClosingIgnored() {
        let (harness, _, _) = makeHarness()
        harness.connection.close(.flushWrite)
        harness.connection.write(ByteBuffer(string: "late"))
        #expect(harness.written.readableBytes == 0)
    }

    @Test("flushWrite ends as LocalClose even though the transport reports the socket gone")
    func flushWriteIsLocal() {
        let (harness, _, observer) = makeHarness()
        harness.connection.close(.flushWrite)
        harness.connection.transportClosed()
        #expect(observer.events == [.connected, .localClose])
    }

    @Test("noFlush closes now and raises LocalClose synchronously", arguments: [ConnectionCloseType.noFlush, .abort])
    func immediateClose(type: ConnectionCloseType) {
        let (harness, _, observer) = makeHarness()
        harness.connection.close(type)
        // Before the loop runs.
        #expect(observer.events == [.connected, .localClose])
        #expect(harness.connection.state == .closed)
        #expect(harness.transport.closeMode == .immediately)
        harness.drain()
        #expect(observer.events == [.connected, .localClose])
    }

    @Test("abortReset closes now with a reset and raises LocalClose synchronously")
    func abortReset() {
        let (harness, _, observer) = makeHarness()
        harness.connection.close(.abortReset)
        #expect(observer.events == [.connected, .localClose])
        #expect(harness.connection.state == .closed)
        #expect(harness.transport.closeMode == .reset)
    }

    @Test(
        "closing twice is a no-op: one close event",
        arguments: [ConnectionCloseType.flushWrite, .noFlush, .abort, .abortReset]
    )
    func closeTwice(type: ConnectionCloseType) {
        let (harness, _, observer) = makeHarness()
        harness.connection.close(type)
        harness.connection.close(type)
        harness.drain()
        harness.connection.close(type)
        harness.connection.close(.noFlush)
        harness.drain()
        #expect(observer.events == [.connected, .localClose])
        #expect(harness.connection.state == .closed)
    }

    @Test("noFlush during a pending flushWrite closes at once, with one LocalClose")
    func noFlushEscalatesPendingFlush() {
        let (harness, _, observer) = makeHarness()
        harness.connection.close(.flushWrite)
        harness.connection.close(.noFlush)
        #expect(harness.connection.state == .closed)
        #expect(observer.events == [.connected, .localClose])
        harness.drain()
        #expect(observer.events == [.connected, .localClose])
    }

    @Test("writes after close are ignored", arguments: [ConnectionCloseType.flushWrite, .noFlush, .abortReset])
    func writesAfterCloseIgnored(type: ConnectionCloseType) {
        let (harness, _, _) = makeHarness()
        harness.write("before")
        harness.connection.close(type)
        harness.drain()
        harness.write("after")
        #expect(harness.writtenString == "before")
        #expect(harness.connection.bytesWritten == 6)
    }

    @Test("reads after close are ignored")
    func readsAfterCloseIgnored() {
        let (harness, filter, _) = makeHarness()
        harness.connection.close(.noFlush)
        harness.receive("late")
        #expect(filter.dataCalls.isEmpty)
        #expect(harness.connection.bytesRead == 0)
    }

    @Test("a peer reset raises RemoteClose; a later local close is a no-op")
    func remoteReset() {
        let (harness, _, observer) = makeHarness()
        harness.receiveReset()
        #expect(harness.connection.state == .closed)
        #expect(observer.events == [.connected, .remoteClose])
        harness.connection.close(.noFlush)
        harness.drain()
        #expect(observer.events == [.connected, .remoteClose])
    }

    @Test("close events reach every callback in registration order")
    func callbacksInOrder() {
        let log = CallLog()
        let first = ConnectionObserver("first", log: log)
        let second = ConnectionObserver("second", log: log)
        let harness = FilterHarness { chain in
            chain.connection.addConnectionCallbacks(first)
            chain.connection.addConnectionCallbacks(second)
        }
        log.clear()
        harness.connection.close(.noFlush)
        #expect(log.entries == ["first.onEvent(localClose)", "second.onEvent(localClose)"])
    }

    @Test("a removed callback hears nothing more")
    func removedCallback() {
        let (harness, _, observer) = makeHarness()
        harness.connection.removeConnectionCallbacks(observer)
        harness.connection.close(.noFlush)
        #expect(observer.events == [.connected])
    }

    @Test("closing from inside the close event is a no-op")
    func closeFromCloseEvent() {
        let (harness, _, observer) = makeHarness()
        observer.onEventBody = { [unowned connection = harness.connection] _ in
            connection.close(.abortReset)
        }
        harness.receiveReset()
        #expect(observer.events == [.connected, .remoteClose])
    }

    @Test("bytes held by a stopped filter are discarded on close")
    func readBufferDiscardedOnClose() throws {
        let log = CallLog()
        let (harness, filter, _) = makeHarness(log: log)
        filter.onDataBody = { _, _ in .stopIteration }
        harness.receive("held")
        harness.connection.close(.noFlush)
        log.clear()
        try #require(filter.callbacks).continueReading()
        #expect(log.entries.isEmpty)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("destroy closes an open connection (LocalClose) and drops filters and observers")
    func destroyClosesOpenConnection() {
        let (harness, _, observer) = makeHarness()
        harness.connection.destroy()
        #expect(harness.connection.state == .closed)
        #expect(observer.events == [.connected, .localClose])
        harness.drain()
        #expect(observer.events == [.connected, .localClose])
    }

    @Test("a filter kept alive past destroy() can still use its callbacks without crashing")
    func filterOutlivesDestroy() throws {
        let log = CallLog()
        var kept: ScriptedReadFilter?
        var keptWrite: ScriptedWriteFilter?
        do {
            let filter = ScriptedReadFilter("A", log: log)
            let writeFilter = ScriptedWriteFilter("W", log: log)
            let harness = FilterHarness { chain in
                chain.addReadFilter(filter)
                chain.addWriteFilter(writeFilter)
            }
            harness.connection.destroy()
            harness.drain()
            kept = filter
            keptWrite = writeFilter
        }
        let callbacks = try #require(kept?.callbacks)
        log.clear()
        #expect(callbacks.connection.state == .closed)
        #expect(callbacks.connection.filterState.keyNames.isEmpty)
        callbacks.continueReading()
        callbacks.injectReadDataToFilterChain(ByteBuffer(string: "x"), endStream: true)
        callbacks.upstreamHost = nil
        callbacks.connection.write(ByteBuffer(string: "x"))
        callbacks.connection.readDisable(true)
        callbacks.connection.close(.flushWrite)
        let writeCallbacks = try #require(keptWrite?.callbacks)
        writeCallbacks.injectWriteDataToFilterChain(ByteBuffer(string: "y"), endStream: false)
        #expect(writeCallbacks.connection === callbacks.connection)
        #expect(log.entries.isEmpty)
    }

    @Test("after destroy, nothing keeps the connection alive once its filters are gone")
    func destroyBreaksCycles() {
        weak var weakConnection: NetworkConnection?
        do {
            let harness = FilterHarness { chain in
                chain.addReadFilter(ScriptedReadFilter("A", log: CallLog()))
                chain.addWriteFilter(ScriptedWriteFilter("W", log: CallLog()))
            }
            weakConnection = harness.connection
            harness.connection.destroy()
            harness.drain()
        }
        #expect(weakConnection == nil)
    }
}

extension ConnectionCloseTests {
    @Test("a filter whose timer outlives destroy() fires on virtual time and finds the connection closed")
    func timerOutlivesDestroy() {
        let log = CallLog()
        let filter = ScriptedReadFilter("A", log: log)
        var seenState: ConnectionState?
        filter.onDataBody = { [unowned filter] _, _ in
            let callbacks = filter.callbacks!
            // The timer closure keeps the filter (and through it its callbacks) alive.
            callbacks.connection.dispatcher.schedule(after: .seconds(5)) { [filter] in
                seenState = filter.callbacks?.connection.state
                filter.callbacks?.continueReading()
                filter.callbacks?.connection.write(ByteBuffer(string: "late"))
            }
            return .stopIteration
        }
        let harness = FilterHarness { $0.addReadFilter(filter) }
        harness.receive("x")
        harness.connection.destroy()
        harness.advanceTime(by: .seconds(4))
        #expect(seenState == nil)
        harness.advanceTime(by: .seconds(1))
        #expect(seenState == .closed)
        #expect(harness.written.readableBytes == 0)
    }
}
