import NIOCore
import Relay
import RelayTestKit
import Testing

/// Peer FIN and local write shutdown with half-close off and on, against spec §1.3.
@Suite("Connection: half-close")
struct HalfCloseTests {
    private func makeHarness(
        halfClose: Bool,
        names: [String] = ["A"],
        log: CallLog = CallLog()
    ) -> (FilterHarness, [ScriptedReadFilter]) {
        let filters = names.map { ScriptedReadFilter($0, log: log) }
        let harness = FilterHarness(halfClose: halfClose) { chain in
            for filter in filters { chain.addReadFilter(filter) }
        }
        return (harness, filters)
    }

    // MARK: - Half-close off (the default)

    @Test("half-close is off by default")
    func offByDefault() {
        let harness = FilterHarness { _ in }
        #expect(harness.connection.isHalfCloseEnabled == false)
    }

    @Test("off: a peer FIN is a full remote close; filters never see endStream")
    func offFinIsRemoteClose() {
        let (harness, filters) = makeHarness(halfClose: false)
        harness.receive("abc")
        harness.receiveEndOfStream()
        #expect(harness.connection.state == .closed)
        #expect(harness.events == [.connected, .remoteClose])
        #expect(filters[0].dataCalls.map(\.endStream) == [false])
        #expect(harness.forwardedEndStream == false)
    }

    @Test("off: buffered bytes are dispatched (endStream false) before the RemoteClose")
    func offFinDispatchesBufferedBytes() {
        let log = CallLog()
        let observer = ConnectionObserver("conn", log: log)
        let filter = ScriptedReadFilter("A", log: log)
        var pass = 0
        filter.onDataBody = { _, _ in
            pass += 1
            // Keep the bytes on the first pass; take them on the second.
            return pass == 1 ? .stopIteration : .continue
        }
        let harness = FilterHarness { chain in
            chain.addReadFilter(filter)
            chain.connection.addConnectionCallbacks(observer)
        }
        harness.receive("abc")
        log.clear()
        harness.receiveEndOfStream()
        #expect(log.entries == ["A.onData(abc,false)", "conn.onEvent(remoteClose)"])
        #expect(harness.forwardedString == "abc")
        #expect(harness.forwardedEndStream == false)
    }

    // MARK: - Half-close on

    @Test("on: a peer FIN is delivered as endStream and the connection stays open")
    func onFinDeliveredAsEndStream() {
        let (harness, filters) = makeHarness(halfClose: true)
        harness.receive("abc")
        harness.receiveEndOfStream()
        #expect(filters[0].dataCalls.map(\.data) == ["abc", ""])
        #expect(filters[0].dataCalls.map(\.endStream) == [false, true])
        #expect(harness.forwardedEndStream)
        #expect(harness.connection.state == .open)
        #expect(harness.events == [.connected])
    }

    @Test("on: endStream is delivered exactly once; a second FIN is ignored")
    func onEndStreamOnce() {
        let (harness, filters) = makeHarness(halfClose: true, names: ["A", "B"])
        harness.receiveEndOfStream()
        harness.receiveEndOfStream()
        harness.connection.transportReadEOF()
        harness.drain()
        #expect(filters[0].dataCalls.filter(\.endStream).count == 1)
        #expect(filters[1].dataCalls.filter(\.endStream).count == 1)
        #expect(harness.forwardedCalls == 1)
    }

    @Test("on: no data is delivered after endStream")
    func onNoDataAfterEndStream() {
        let (harness, filters) = makeHarness(halfClose: true)
        harness.receiveEndOfStream()
        harness.receive("late")
        #expect(filters[0].dataCalls.map(\.data) == [""])
        #expect(harness.forwardedString == "")
    }

    @Test("on: FIN with buffered bytes delivers them together with endStream")
    func onFinWithBufferedBytes() {
        let (harness, filters) = makeHarness(halfClose: true, names: ["A", "B"])
        var pass = 0
        filters[0].onDataBody = { _, _ in
            pass += 1
            return pass == 1 ? .stopIteration : .continue
        }
        harness.receive("abc")
        harness.receiveEndOfStream()
        #expect(filters[0].dataCalls.map(\.data) == ["abc", "abc"])
        #expect(filters[0].dataCalls.map(\.endStream) == [false, true])
        #expect(filters[1].dataCalls.map(\.data) == ["abc"])
        #expect(filters[1].dataCalls.map(\.endStream) == [true])
        #expect(harness.forwardedString == "abc")
        #expect(harness.forwardedEndStream)
    }

    @Test("on: a filter that stops on endStream passes it on with continueReading, once per filter")
    func onEndStreamThroughContinueReading() throws {
        let (harness, filters) = makeHarness(halfClose: true, names: ["A", "B"])
        filters[0].onDataBody = { _, end in end ? .stopIteration : .continue }
        harness.receiveEndOfStream()
        #expect(filters[1].dataCalls.isEmpty)
        try #require(filters[0].callbacks).continueReading()
        #expect(filters[0].dataCalls.filter(\.endStream).count == 1)
        #expect(filters[1].dataCalls.map(\.endStream) == [true])
        #expect(harness.forwardedEndStream)
    }

    @Test("on: endStream is not re-delivered when reading is re-enabled with bytes still buffered")
    func onEndStreamNotRedeliveredOnReadEnable() {
        let (harness, filters) = makeHarness(halfClose: true)
        // A holds every byte (never drains) and pauses.
        filters[0].onDataBody = { _, _ in .stopIteration }
        harness.receive("abc")
        harness.receiveEndOfStream()
        #expect(filters[0].dataCalls.filter(\.endStream).count == 1)
        harness.connection.readDisable(true)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(filters[0].dataCalls.filter(\.endStream).count == 1)
        // The bytes are not lost: continueReading hands them on, with endStream.
        filters[0].callbacks?.continueReading()
        #expect(harness.forwardedString == "abc")
        #expect(harness.forwardedEndStream)
    }

    @Test("on: endStream handed on by continueReading() while reading is disabled still reaches the end once reading resumes")
    func onEndStreamThroughContinueReadingWhileDisabledIsNotStranded() throws {
        // B plays a terminal filter that is still connecting: it keeps what it is given until
        // it is ready, as tcp_proxy does. A hands the buffer on with continueReading() while
        // reading is disabled; that pass must not count as delivering end of stream.
        let (harness, filters) = makeHarness(halfClose: true, names: ["A", "B"])
        var ready = false
        filters[1].onDataBody = { _, _ in ready ? .continue : .stopIteration }
        harness.connection.readDisable(true)
        harness.receive("abcd")
        harness.receiveEndOfStream()
        try #require(filters[0].callbacks).continueReading()
        #expect(filters[1].dataCalls.map(\.endStream) == [true])
        #expect(harness.forwardedString.isEmpty)

        ready = true
        harness.connection.readDisable(false)
        harness.drain()
        #expect(harness.forwardedString == "abcd")
        #expect(harness.forwardedEndStream)
        #expect(harness.connection.state == .open)
        // The connection delivered end of stream once; B also saw it in A's continueReading() pass.
        #expect(filters[0].dataCalls.filter(\.endStream).count == 1)
        #expect(filters[1].dataCalls.filter(\.endStream).count == 2)
    }

    @Test("on: a FIN that arrives while reading is disabled is delivered when reading resumes")
    func onFinWhileReadDisabled() {
        let (harness, filters) = makeHarness(halfClose: true)
        harness.connection.readDisable(true)
        harness.receive("abc")
        harness.receiveEndOfStream()
        #expect(filters[0].dataCalls.isEmpty)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(filters[0].dataCalls.map(\.data) == ["abc"])
        #expect(filters[0].dataCalls.map(\.endStream) == [true])
        #expect(harness.connection.state == .open)
    }

    @Test("on: write(endStream:) sends the data then shuts down the write side; reading goes on")
    func onWriteEndStream() {
        let (harness, filters) = makeHarness(halfClose: true)
        harness.write("bye", endStream: true)
        #expect(harness.writtenString == "bye")
        #expect(harness.transport.didShutdownWrite)
        #expect(harness.connection.state == .open)
        harness.receive("still reading")
        #expect(filters[0].dataCalls.map(\.data) == ["still reading"])
    }

    @Test("on: writes after a write with endStream are ignored")
    func onWritesAfterEndStreamIgnored() {
        let (harness, _) = makeHarness(halfClose: true)
        harness.write("bye", endStream: true)
        harness.write("more")
        harness.write("", endStream: true)
        #expect(harness.writtenString == "bye")
    }

    @Test("on: peer FIN then local endStream closes fully with RemoteClose")
    func onFinThenWriteEnd() {
        let (harness, _) = makeHarness(halfClose: true)
        harness.receiveEndOfStream()
        #expect(harness.connection.state == .open)
        harness.write("", endStream: true)
        #expect(harness.connection.state == .closed)
        #expect(harness.events == [.connected, .remoteClose])
        #expect(harness.transport.didShutdownWrite)
    }

    @Test("on: local endStream then peer FIN closes fully with RemoteClose")
    func onWriteEndThenFin() {
        let (harness, filters) = makeHarness(halfClose: true)
        harness.write("bye", endStream: true)
        #expect(harness.connection.state == .open)
        harness.receiveEndOfStream()
        #expect(filters[0].dataCalls.map(\.endStream) == [true])
        #expect(harness.connection.state == .closed)
        #expect(harness.events == [.connected, .remoteClose])
    }

    @Test("on: a filter that writes endStream when it sees endStream closes the connection")
    func onEchoFinCloses() {
        let (harness, filters) = makeHarness(halfClose: true)
        filters[0].onDataBody = { [unowned a = filters[0]] data, end in
            let copy = data
            data.clear()
            a.callbacks?.connection.write(copy, endStream: end)
            return .stopIteration
        }
        harness.receive("ping")
        harness.receiveEndOfStream()
        #expect(harness.writtenString == "ping")
        #expect(harness.transport.didShutdownWrite)
        #expect(harness.events == [.connected, .remoteClose])
    }

    @Test("on: a peer reset is still a full RemoteClose")
    func onResetIsRemoteClose() {
        let (harness, _) = makeHarness(halfClose: true)
        harness.receiveReset()
        #expect(harness.events == [.connected, .remoteClose])
    }
}
