import NIOCore
import Relay
import RelayTestKit
import Testing

/// Write-path iteration, case by case against spec §1.2.
@Suite("FilterManager: write path")
struct FilterManagerWriteTests {
    /// A harness with write filters added in the order of `names`.
    private func makeHarness(
        _ names: [String],
        log: CallLog,
        halfClose: Bool = false
    ) -> (FilterHarness, [ScriptedWriteFilter]) {
        let filters = names.map { ScriptedWriteFilter($0, log: log) }
        let harness = FilterHarness(halfClose: halfClose) { chain in
            for filter in filters { chain.addWriteFilter(filter) }
        }
        return (harness, filters)
    }

    @Test("write filters run in reverse order of addition; the last added sees bytes first")
    func writeFiltersInReverse() {
        let log = CallLog()
        let (harness, _) = makeHarness(["1", "2", "3"], log: log)
        log.clear()
        harness.write("x")
        #expect(log.entries == ["3.onWrite(x,false)", "2.onWrite(x3,false)", "1.onWrite(x32,false)"])
        #expect(harness.writtenString == "x321")
    }

    @Test("initializeWriteFilterCallbacks runs once at add time with the connection")
    func initializeOnce() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1", "2"], log: log)
        #expect(filters.map(\.initializeCalls) == [1, 1])
        #expect(try #require(filters[0].callbacks).connection === harness.connection)
    }

    @Test("write filters see endStream")
    func seesEndStream() {
        let log = CallLog()
        let (harness, _) = makeHarness(["1"], log: log, halfClose: true)
        log.clear()
        harness.write("bye", endStream: true)
        #expect(log.entries == ["1.onWrite(bye,true)"])
        #expect(harness.writtenString == "bye1")
        #expect(harness.transport.didShutdownWrite)
    }

    @Test("a write filter that stops prevents the write; earlier filters are not called")
    func stopPreventsWrite() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1", "2"], log: log)
        filters[1].onWriteBody = { _, _ in .stopIteration }
        log.clear()
        harness.write("x")
        #expect(log.entries == ["2.onWrite(x,false)"])
        #expect(harness.written.readableBytes == 0)
        #expect(harness.connection.bytesWritten == 0)
    }

    @Test("a stopped write does not shut down the write side, even with endStream")
    func stopWithEndStreamDoesNotShutdown() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1"], log: log, halfClose: true)
        filters[0].onWriteBody = { _, _ in .stopIteration }
        harness.write("x", endStream: true)
        #expect(!harness.transport.didShutdownWrite)
        // The write side is still usable once the filter lets writes through.
        filters[0].onWriteBody = { _, _ in .continue }
        harness.write("y")
        #expect(harness.writtenString == "y")
    }

    @Test("injectWriteDataToFilterChain runs only the filters after the caller, then the transport")
    func injectWriteBypassesEarlierFilters() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1", "2", "3"], log: log)
        var held = ByteBuffer()
        // "2" holds what it is given and pauses the write.
        filters[1].onWriteBody = { data, _ in
            held.writeBuffer(&data)
            return .stopIteration
        }
        harness.write("x")
        #expect(harness.written.readableBytes == 0)
        log.clear()
        try #require(filters[1].callbacks).injectWriteDataToFilterChain(held, endStream: false)
        // "3" (earlier in iteration) and "2" itself are bypassed; "1" still runs.
        #expect(log.entries == ["1.onWrite(x3,false)"])
        #expect(harness.writtenString == "x31")
    }

    @Test("injecting from the last write filter reaches the transport directly")
    func injectFromLastReachesTransport() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1", "2"], log: log)
        log.clear()
        try #require(filters[0].callbacks).injectWriteDataToFilterChain(ByteBuffer(string: "raw"), endStream: false)
        #expect(log.entries.isEmpty)
        #expect(harness.writtenString == "raw")
        #expect(harness.connection.bytesWritten == 3)
    }

    @Test("an injected write that a later filter stops is not written")
    func injectStoppedByLaterFilter() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1", "2"], log: log)
        filters[0].onWriteBody = { data, _ in
            data.clear()
            return .stopIteration
        }
        try #require(filters[1].callbacks).injectWriteDataToFilterChain(ByteBuffer(string: "x"), endStream: false)
        #expect(harness.written.readableBytes == 0)
    }

    @Test("an injected write with endStream half-closes the write side")
    func injectWriteEndStream() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1"], log: log, halfClose: true)
        try #require(filters[0].callbacks).injectWriteDataToFilterChain(ByteBuffer(string: "bye"), endStream: true)
        #expect(harness.writtenString == "bye")
        #expect(harness.transport.didShutdownWrite)
    }

    @Test("closing the connection inside onWrite stops the write")
    func closeDuringOnWrite() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["1", "2"], log: log)
        filters[1].onWriteBody = { [unowned f = filters[1]] _, _ in
            f.callbacks?.connection.close(.noFlush)
            return .continue
        }
        log.clear()
        harness.write("x")
        #expect(log.entries == ["2.onWrite(x,false)"])
        #expect(harness.written.readableBytes == 0)
        #expect(harness.connection.state == .closed)
    }

    @Test("writes on a closed connection reach neither the filters nor the transport")
    func writeAfterCloseIgnored() {
        let log = CallLog()
        let (harness, _) = makeHarness(["1"], log: log)
        harness.connection.close(.noFlush)
        log.clear()
        harness.write("late")
        #expect(log.entries.isEmpty)
        #expect(harness.written.readableBytes == 0)
    }

    @Test("a filter on both paths (addFilter) is one instance on the read and the write chain")
    func addFilterBothPaths() throws {
        let filter = UppercaseEcho()
        let harness = FilterHarness(recordForwarded: false) { $0.addFilter(filter) }
        harness.receive("hello")
        // onData echoes what it read through connection.write, which runs onWrite.
        #expect(filter.initializeReadCalls == 1)
        #expect(filter.initializeWriteCalls == 1)
        #expect(harness.writtenString == "HELLO")
        #expect(filter.writeCalls == 1)
    }

    @Test("bytesWritten counts what reached the transport after the filters")
    func bytesWrittenAfterFilters() {
        let log = CallLog()
        let (harness, _) = makeHarness(["1", "2"], log: log)
        harness.write("abc")
        #expect(harness.connection.bytesWritten == 5)
    }
}

/// Echoes what it reads back through `connection.write`; uppercases on the write path.
private final class UppercaseEcho: NetworkFilter {
    private var callbacks: (any ReadFilterCallbacks)?
    private(set) var initializeReadCalls = 0
    private(set) var initializeWriteCalls = 0
    private(set) var writeCalls = 0

    func initialize(callbacks: any ReadFilterCallbacks) {
        initializeReadCalls += 1
        self.callbacks = callbacks
    }

    func initialize(writeCallbacks: any WriteFilterCallbacks) {
        initializeWriteCalls += 1
    }

    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        let copy = data
        data.clear()
        callbacks?.connection.write(copy)
        return .stopIteration
    }

    func onWrite(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        writeCalls += 1
        let text = String(buffer: data).uppercased()
        data.clear()
        data.writeString(text)
        return .continue
    }
}
