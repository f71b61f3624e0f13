import NIOCore
import Relay
import RelayTestKit
import Testing

/// Read-path iteration, case by case against spec §1.2 (Envoy's `FilterManagerImpl`).
@Suite("FilterManager: read path")
struct FilterManagerReadTests {
    /// A harness with read filters named `names`, in that order, plus the recording sink.
    private func makeHarness(
        _ names: [String],
        log: CallLog,
        halfClose: Bool = false,
        configure: ([ScriptedReadFilter]) -> Void = { _ in }
    ) -> (FilterHarness, [ScriptedReadFilter]) {
        let filters = names.map { ScriptedReadFilter($0, log: log) }
        configure(filters)
        let harness = FilterHarness(halfClose: halfClose) { chain in
            for filter in filters { chain.addReadFilter(filter) }
        }
        return (harness, filters)
    }

    @Test("initialize runs once at add time, before any onNewConnection, in add order")
    func initializeAtAdd() {
        let log = CallLog()
        let (_, filters) = makeHarness(["A", "B"], log: log)
        #expect(filters.map(\.initializeCalls) == [1, 1])
        #expect(log.entries == ["A.initialize", "B.initialize", "A.onNewConnection", "B.onNewConnection"])
    }

    @Test("read filters run in the order they were added, each seeing the same bytes")
    func readFiltersInOrder() {
        let log = CallLog()
        let (harness, _) = makeHarness(["A", "B", "C"], log: log)
        log.clear()
        harness.receive("hello")
        #expect(log.entries == ["A.onData(hello,false)", "B.onData(hello,false)", "C.onData(hello,false)"])
        #expect(harness.forwardedString == "hello")
    }

    @Test("what a filter drains is gone for later filters; what it leaves is seen by the next")
    func sharedBuffer() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { data, _ in
                data.moveReaderIndex(forwardBy: 2)
                return .continue
            }
        }
        harness.receive("hello")
        #expect(filters[0].dataCalls.map(\.data) == ["hello"])
        #expect(filters[1].dataCalls.map(\.data) == ["llo"])
        #expect(harness.forwardedString == "llo")
    }

    @Test("a filter may rewrite the buffer in place for later filters")
    func rewriteInPlace() {
        let log = CallLog()
        let (harness, _) = makeHarness(["A"], log: log) { filters in
            filters[0].onDataBody = { data, _ in
                let text = String(buffer: data).uppercased()
                data.clear()
                data.writeString(text)
                return .continue
            }
        }
        harness.receive("hello")
        #expect(harness.forwardedString == "HELLO")
    }

    @Test("StopIteration ends the pass; later filters see nothing")
    func stopIterationPauses() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { _, _ in .stopIteration }
        }
        harness.receive("hello")
        #expect(filters[0].dataCalls.count == 1)
        #expect(filters[1].dataCalls.isEmpty)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("continueReading resumes at the filter after the caller with the current read buffer")
    func continueReadingResumesAfterCaller() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B", "C"], log: log) { filters in
            filters[1].onDataBody = { data, _ in
                // Consume the first byte, keep the rest for later filters, and pause.
                data.moveReaderIndex(forwardBy: 1)
                return .stopIteration
            }
        }
        harness.receive("hello")
        #expect(filters[2].dataCalls.isEmpty)
        log.clear()

        let callbacks = try #require(filters[1].callbacks)
        callbacks.continueReading()
        // A and B are not called again; C sees what B left behind.
        #expect(log.entries == ["C.onData(ello,false)"])
        #expect(harness.forwardedString == "ello")
    }

    @Test("continueReading from the first filter skips it and reaches every later filter")
    func continueReadingFromFirst() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { _, _ in .stopIteration }
        }
        harness.receive("abc")
        log.clear()
        try #require(filters[0].callbacks).continueReading()
        #expect(log.entries == ["B.onData(abc,false)"])
        #expect(harness.forwardedString == "abc")
        #expect(filters[0].dataCalls.count == 1)
    }

    @Test("bytes left by a stopping filter are re-presented with new bytes, from filter #1")
    func leftoverBytesRepresented() {
        let log = CallLog()
        var pass = 0
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { _, _ in
                pass += 1
                return pass == 1 ? .stopIteration : .continue
            }
        }
        harness.receive("abc")
        harness.receive("def")
        #expect(filters[0].dataCalls.map(\.data) == ["abc", "abcdef"])
        #expect(filters[1].dataCalls.map(\.data) == ["abcdef"])
        #expect(harness.forwardedString == "abcdef")
    }

    @Test("a filter that drained part of the bytes sees only the remainder plus new bytes")
    func partiallyDrainedRepresented() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A"], log: log) { filters in
            filters[0].onDataBody = { data, _ in
                // Consume whole 4-byte frames only; wait for the rest.
                let whole = data.readableBytes / 4 * 4
                data.moveReaderIndex(forwardBy: whole)
                return .stopIteration
            }
        }
        harness.receive("aaaab")
        harness.receive("bbbcc")
        #expect(filters[0].dataCalls.map(\.data) == ["aaaab", "bbbbcc"])
        #expect(harness.forwardedCalls == 0)
    }

    @Test("a filter that drains everything: later filters get no onData but still onNewConnection")
    func drainedFilterStillInitializesLater() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            // A stops in onNewConnection, so B is not initialized by initializeReadFilters.
            filters[0].onNewConnectionBody = { .stopIteration }
            filters[0].drainAll()
        }
        #expect(filters[1].newConnectionCalls == 0)
        log.clear()
        harness.receive("hello")
        #expect(log.entries == ["A.onData(hello,false)", "B.onNewConnection"])
        #expect(filters[1].dataCalls.isEmpty)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("onNewConnection runs exactly once per filter, however many reads happen")
    func onNewConnectionOnce() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onNewConnectionBody = { .stopIteration }
        }
        #expect(filters.map(\.newConnectionCalls) == [1, 0])
        harness.receive("1")
        harness.receive("2")
        harness.receive("3")
        #expect(filters.map(\.newConnectionCalls) == [1, 1])
        #expect(filters[1].dataCalls.map(\.data) == ["1", "2", "3"])
    }

    @Test("initializeReadFilters stops at the first StopIteration; continueReading initializes the rest")
    func initializeStopsAtStop() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B", "C"], log: log) { filters in
            filters[1].onNewConnectionBody = { .stopIteration }
        }
        #expect(filters.map(\.newConnectionCalls) == [1, 1, 0])
        #expect(filters.allSatisfy { $0.dataCalls.isEmpty })
        log.clear()
        try #require(filters[1].callbacks).continueReading()
        // Nothing is buffered: C is initialized but gets no onData.
        #expect(log.entries == ["C.onNewConnection"])
        #expect(harness.forwardedCalls == 0)
    }

    @Test("a filter that stopped in onNewConnection still gets onData on the next read")
    func stoppedInNewConnectionStillGetsData() {
        let log = CallLog()
        let (harness, _) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onNewConnectionBody = { .stopIteration }
        }
        log.clear()
        harness.receive("x")
        #expect(log.entries == ["A.onData(x,false)", "B.onNewConnection", "B.onData(x,false)"])
    }

    @Test("onData is not called for an empty read without end of stream")
    func noOnDataForEmptyRead() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A"], log: log)
        log.clear()
        harness.receive(ByteBuffer())
        #expect(log.entries.isEmpty)
        #expect(filters[0].dataCalls.isEmpty)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("continueReading with an empty read buffer calls no onData")
    func continueReadingEmpty() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].drainAll(returning: .stopIteration)
        }
        harness.receive("abc")
        log.clear()
        try #require(filters[0].callbacks).continueReading()
        #expect(log.entries.isEmpty)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("injectReadDataToFilterChain pushes data to the later filters only")
    func injectReadGoesToLaterFilters() throws {
        let log = CallLog()
        var held = ByteBuffer()
        let (harness, filters) = makeHarness(["A", "B", "C"], log: log) { filters in
            filters[1].onDataBody = { data, _ in
                held.writeBuffer(&data)
                return .stopIteration
            }
        }
        harness.receive("abc")
        log.clear()
        let callbacks = try #require(filters[1].callbacks)
        callbacks.injectReadDataToFilterChain(ByteBuffer(string: "<" + String(buffer: held) + ">"), endStream: false)
        #expect(log.entries == ["C.onData(<abc>,false)"])
        #expect(harness.forwardedString == "<abc>")
        #expect(filters[0].dataCalls.count == 1)
        #expect(filters[1].dataCalls.count == 1)
    }

    @Test("injected data does not go through the connection read buffer")
    func injectReadBypassesReadBuffer() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            // A keeps whatever arrives in the connection buffer and pauses.
            filters[0].onDataBody = { _, _ in .stopIteration }
        }
        harness.receive("kept")
        try #require(filters[0].callbacks).injectReadDataToFilterChain(ByteBuffer(string: "injected"), endStream: false)
        #expect(filters[1].dataCalls.map(\.data) == ["injected"])
        // The connection's own buffer still holds "kept", untouched by the injection.
        harness.receive("+new")
        #expect(filters[0].dataCalls.map(\.data) == ["kept", "kept+new"])
        #expect(harness.forwardedString == "injected")
    }

    @Test("injectReadDataToFilterChain carries endStream verbatim")
    func injectReadEndStream() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].drainAll(returning: .stopIteration)
        }
        try #require(filters[0].callbacks).injectReadDataToFilterChain(ByteBuffer(), endStream: true)
        #expect(filters[1].dataCalls.count == 1)
        #expect(filters[1].dataCalls.first?.endStream == true)
        #expect(harness.forwardedEndStream)
    }

    @Test("injecting an empty buffer without endStream calls no onData")
    func injectEmptyNoOnData() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log)
        log.clear()
        try #require(filters[0].callbacks).injectReadDataToFilterChain(ByteBuffer(), endStream: false)
        #expect(log.entries.isEmpty)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("injection initializes later filters that were never initialized")
    func injectInitializesLaterFilters() throws {
        let log = CallLog()
        let (_, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onNewConnectionBody = { .stopIteration }
        }
        log.clear()
        try #require(filters[0].callbacks).injectReadDataToFilterChain(ByteBuffer(string: "x"), endStream: false)
        #expect(log.entries == ["B.onNewConnection", "B.onData(x,false)"])
    }

    @Test("closing the connection in onData stops the iteration")
    func closeDuringOnDataStops() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { [unowned a = filters[0]] _, _ in
                a.callbacks?.connection.close(.noFlush)
                return .continue
            }
        }
        harness.receive("hello")
        #expect(filters[1].dataCalls.isEmpty)
        #expect(harness.connection.state == .closed)
        #expect(harness.forwardedCalls == 0)
    }

    @Test("a flushing close in onData also stops the iteration (state is no longer open)")
    func flushCloseDuringOnDataStops() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { [unowned a = filters[0]] _, _ in
                a.callbacks?.connection.close(.flushWrite)
                return .continue
            }
        }
        harness.connection.transportRead(ByteBuffer(string: "hello"))
        #expect(harness.connection.state == .closing)
        #expect(filters[1].dataCalls.isEmpty)
    }

    @Test("closing the connection in onNewConnection stops initialization")
    func closeDuringOnNewConnectionStops() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onNewConnectionBody = { [unowned a = filters[0]] in
                a.callbacks?.connection.close(.noFlush)
                return .continue
            }
        }
        #expect(filters[1].newConnectionCalls == 0)
        #expect(harness.connection.state == .closed)
        #expect(harness.events == [.localClose])
    }

    @Test("continueReading on a closed connection does nothing")
    func continueReadingAfterClose() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { _, _ in .stopIteration }
        }
        harness.receive("abc")
        harness.connection.close(.noFlush)
        log.clear()
        try #require(filters[0].callbacks).continueReading()
        try #require(filters[0].callbacks).injectReadDataToFilterChain(ByteBuffer(string: "x"), endStream: false)
        #expect(log.entries.isEmpty)
    }

    @Test("initializeReadFilters returns false with no read filters, even with write filters")
    func noReadFilters() {
        let log = CallLog()
        let empty = FilterHarness(recordForwarded: false) { _ in }
        #expect(empty.connection.initializeReadFilters() == false)

        let writeOnly = FilterHarness(recordForwarded: false) { chain in
            chain.addWriteFilter(ScriptedWriteFilter("W", log: log))
        }
        #expect(writeOnly.connection.initializeReadFilters() == false)

        let withRead = FilterHarness(recordForwarded: false) { chain in
            chain.addReadFilter(ScriptedReadFilter("A", log: log))
        }
        #expect(withRead.connection.initializeReadFilters() == true)
    }

    @Test("initializeReadFilters calls onNewConnection only, never onData, even with bytes buffered")
    func initializeDoesNotCallOnData() {
        let log = CallLog()
        let filter = ScriptedReadFilter("A", log: log)
        let harness = FilterHarness(recordForwarded: false) { chain in
            chain.addReadFilter(filter)
            // Bytes arrive (read-disabled) before the chain is initialized.
            chain.connection.readDisable(true)
            chain.connection.transportRead(ByteBuffer(string: "early"))
        }
        #expect(log.entries == ["A.initialize", "A.onNewConnection"])
        #expect(filter.dataCalls.isEmpty)
        harness.connection.readDisable(false)
        harness.drain()
        #expect(filter.dataCalls.map(\.data) == ["early"])
    }

    @Test("a removed read filter is skipped; the others keep running")
    func removedFilterSkipped() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B", "C"], log: log)
        harness.connection.removeReadFilter(filters[1])
        log.clear()
        harness.receive("x")
        #expect(log.entries == ["A.onData(x,false)", "C.onData(x,false)"])
    }

    @Test("a filter may remove itself and its successors still run, even on continueReading")
    func removeSelfThenContinue() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { [unowned a = filters[0]] _, _ in
                a.callbacks?.connection.removeReadFilter(a)
                return .stopIteration
            }
        }
        harness.receive("x")
        #expect(filters[1].dataCalls.isEmpty)
        harness.receive("y")
        #expect(filters[0].dataCalls.map(\.data) == ["x"])
        #expect(filters[1].dataCalls.map(\.data) == ["xy"])
    }

    @Test("the upstream host slot is shared by every filter and the connection")
    func upstreamHostShared() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log)
        let host = HostDescription(address: try SocketAddress(ipAddress: "10.0.0.1", port: 8080), clusterName: "backend")
        let a = try #require(filters[0].callbacks)
        let b = try #require(filters[1].callbacks)
        #expect(b.upstreamHost == nil)
        a.upstreamHost = host
        #expect(b.upstreamHost === host)
        #expect(harness.connection.upstreamHost === host)
    }

    @Test("notifyUpstreamReady sets the shared host and tells every other filter, in order")
    func upstreamReadySignal() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B", "C"], log: log)
        let host = HostDescription(address: try SocketAddress(ipAddress: "10.0.0.1", port: 8080), clusterName: "backend")
        log.clear()
        try #require(filters[1].callbacks).notifyUpstreamReady(host: host)
        #expect(log.entries == ["A.onUpstreamReady(backend)", "C.onUpstreamReady(backend)"])
        #expect(harness.connection.upstreamHost === host)
        #expect(try #require(filters[0].callbacks).upstreamHost === host)
    }

    @Test("a filter that closes the connection on upstream-ready stops the signal")
    func upstreamReadySignalStopsOnClose() throws {
        let log = CallLog()
        final class Closer: ReadFilter {
            var callbacks: (any ReadFilterCallbacks)!
            func initialize(callbacks: any ReadFilterCallbacks) { self.callbacks = callbacks }
            func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus { .continue }
            func onUpstreamReady(host: HostDescription) { callbacks.connection.close(.noFlush) }
        }
        let closer = Closer()
        let later = ScriptedReadFilter("B", log: log)
        let terminal = ScriptedReadFilter("T", log: log)
        _ = FilterHarness { chain in
            chain.addReadFilter(closer)
            chain.addReadFilter(later)
            chain.addReadFilter(terminal)
        }
        log.clear()
        let host = HostDescription(address: try SocketAddress(ipAddress: "10.0.0.1", port: 8080), clusterName: "backend")
        try #require(terminal.callbacks).notifyUpstreamReady(host: host)
        #expect(log.entries.isEmpty)
        #expect(closer.callbacks.connection.state == .closed)
    }

    @Test("callbacks.connection is the filter's connection")
    func callbacksConnection() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A"], log: log)
        #expect(try #require(filters[0].callbacks).connection === harness.connection)
    }
}

extension FilterManagerReadTests {
    @Test("continueReading called from inside the caller's own onData hands on the current buffer")
    func continueReadingReentrant() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { [unowned a = filters[0]] _, _ in
                a.callbacks?.continueReading()
                return .stopIteration
            }
        }
        harness.receive("abc")
        #expect(filters[1].dataCalls.map(\.data) == ["abc"])
        #expect(harness.forwardedString == "abc")
    }
}

extension FilterManagerReadTests {
    @Test("continueReading from inside onData sees what the caller drained so far")
    func continueReadingReentrantAfterDrain() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { [unowned a = filters[0]] data, _ in
                data.moveReaderIndex(forwardBy: 1)
                a.callbacks?.continueReading()
                return .stopIteration
            }
        }
        harness.receive("abc")
        #expect(filters[1].dataCalls.map(\.data) == ["bc"])
    }

    @Test("continueReading from inside onData, then .continue, calls the next filter once")
    func continueReadingReentrantThenContinue() {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log) { filters in
            filters[0].onDataBody = { [unowned a = filters[0]] _, _ in
                a.callbacks?.continueReading()
                return .continue
            }
        }
        harness.receive("abc")
        #expect(filters[1].dataCalls.map(\.data) == ["abc"])
        #expect(harness.forwardedCalls == 1)
    }

    @Test("continueReading from inside onNewConnection during a read pass reaches the later filters")
    func continueReadingReentrantInNewConnection() {
        let log = CallLog()
        let (harness, _) = makeHarness(["A", "B", "C"], log: log) { filters in
            // A stops at init, so B first meets the chain during a read pass.
            filters[0].onNewConnectionBody = { .stopIteration }
            filters[1].onNewConnectionBody = { [unowned b = filters[1]] in
                b.callbacks?.continueReading()
                return .stopIteration
            }
        }
        log.clear()
        harness.receive("x")
        #expect(log.entries == ["A.onData(x,false)", "B.onNewConnection", "C.onNewConnection", "C.onData(x,false)"])
        #expect(harness.forwardedString == "x")
    }

    @Test("a filter's continueReading from inside another filter's callback runs its own pass")
    func continueReadingOfOtherFilterDuringPass() throws {
        let log = CallLog()
        let (harness, filters) = makeHarness(["A", "B"], log: log)
        // A first pauses with the bytes; later, from inside an injected pass, A resumes.
        filters[0].onDataBody = { _, _ in .stopIteration }
        harness.receive("abc")
        filters[1].onDataBody = { [unowned a = filters[0]] data, _ in
            if String(buffer: data) == "ping" {
                data.clear()
                a.callbacks?.continueReading()
                return .stopIteration
            }
            return .continue
        }
        try #require(filters[0].callbacks).injectReadDataToFilterChain(ByteBuffer(string: "ping"), endStream: false)
        #expect(filters[1].dataCalls.map(\.data) == ["ping", "abc"])
        #expect(harness.forwardedString == "abc")
    }
}
