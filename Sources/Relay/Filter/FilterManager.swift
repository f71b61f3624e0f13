import NIOCore

/// Runs a connection's read and write filters with Envoy's iteration rules.
///
/// - Read filters run in the order they were added; write filters in reverse.
/// - A read pass starts at the first filter with the connection's whole read buffer. Every
///   filter sees the same buffer; what one drains is gone for the next.
/// - `onData` is only called when there are bytes or end of stream.
/// - A filter that was never initialized gets `onNewConnection()` before its first `onData`.
/// - `.stopIteration` ends the pass; ``ReadFilterCallbacks/continueReading()`` resumes it at
///   the filter after the caller.
/// - Bytes are re-presented to the filters in front of one that stops: a filter that stops
///   and leaves bytes in the buffer keeps them in the connection's read buffer, and the next
///   read pass (new bytes, or reading re-enabled) starts again at the first filter with the
///   old bytes and the new ones together. A filter in front must therefore remember what it
///   already decided and simply continue on bytes it has seen before.
/// - End of stream counts as delivered only when a pass started by the connection's own read
///   (Envoy's `ConnectionImpl::onRead`) carried it. A pass started by `continueReading()`
///   hands the current end-of-stream state on but does not consume it, so a FIN handed to a
///   filter that is not ready yet (tcp_proxy still connecting) is delivered again when
///   reading resumes. A filter may therefore see `endStream` more than once.
///
/// - Note: Owned by one ``NetworkConnection`` (a `let`, so reaching it costs no retain and no
///   exclusivity check) and confined to its event loop. It does not store its connection: the
///   connection, or a filter slot, passes itself in. A filter's callbacks hold the connection
///   strongly until the connection is destroyed, so a filter that outlives its connection (say,
///   in a timer) never dangles.
final class FilterManager {
    private(set) var readFilters = InlineFirstList<ActiveReadFilter>()
    /// In iteration order: the last added write filter first.
    private(set) var writeFilters = InlineFirstList<ActiveWriteFilter>()
    var upstreamHost: HostDescription?
    /// The position of the read filter whose callback runs in a pass over the connection's
    /// read buffer, or -1. A position, not a reference: saving, setting and restoring it on
    /// every pass then costs no retain and release.
    private var callbackPosition = -1
    /// Whether that filter called continueReading() from inside the callback.
    private var continueRequested = false

    init() {}

    /// The number of read filters (removed ones included).
    var readFilterCount: Int { readFilters.count }

    /// The number of write filters.
    var writeFilterCount: Int { writeFilters.count }

    func addReadFilter(_ filter: any ReadFilter, on connection: NetworkConnection) {
        let active = ActiveReadFilter(connection: connection, filter: filter)
        readFilters.append(active)
        filter.initialize(callbacks: active)
    }

    func addWriteFilter(_ filter: any WriteFilter, on connection: NetworkConnection) {
        let active = ActiveWriteFilter(connection: connection, filter: filter)
        writeFilters.insertAtFront(active)
        filter.initialize(writeCallbacks: active)
    }

    func removeReadFilter(_ filter: any ReadFilter) {
        for active in readFilters where active.filter === filter {
            active.filter = nil
        }
    }

    /// Calls `onNewConnection` on each read filter in order until one stops or the connection
    /// is no longer open. Returns false when there are no read filters.
    func initializeReadFilters(on connection: NetworkConnection) -> Bool {
        if readFilters.isEmpty { return false }
        for active in readFilters where !active.initialized {
            guard let filter = active.filter else { continue }
            active.initialized = true
            if filter.onNewConnection() == .stopIteration || connection.state != .open {
                return true
            }
        }
        return true
    }

    /// A full read pass from the first filter over the connection's read buffer.
    func onRead(on connection: NetworkConnection) {
        iterateRead(on: connection, startingAt: 0, injected: nil)
    }

    func continueReading(after active: ActiveReadFilter, on connection: NetworkConnection) {
        if callbackPosition >= 0, callbackPosition < readFilters.count, readFilters[callbackPosition] === active {
            // The running pass holds the read buffer: it resumes after this filter on return.
            continueRequested = true
            return
        }
        guard let index = readFilters.firstIndex(where: { $0 === active }) else { return }
        iterateRead(on: connection, startingAt: index + 1, injected: nil)
    }

    func injectRead(after active: ActiveReadFilter, on connection: NetworkConnection, data: ByteBuffer, endStream: Bool) {
        guard let index = readFilters.firstIndex(where: { $0 === active }) else { return }
        iterateRead(on: connection, startingAt: index + 1, injected: (data, endStream))
    }

    private func iterateRead(on connection: NetworkConnection, startingAt start: Int, injected: (ByteBuffer, Bool)?) {
        guard connection.state == .open else { return }
        var buffer: ByteBuffer
        let endStream: Bool
        if let (data, end) = injected {
            buffer = data
            endStream = end
        } else {
            buffer = connection.takeReadBuffer()
            endStream = connection.pendingReadEndStream
        }
        let (outerPosition, outerRequested) = (callbackPosition, continueRequested)
        defer {
            (callbackPosition, continueRequested) = (outerPosition, outerRequested)
            if injected == nil { connection.restoreReadBuffer(buffer) }
        }
        var index = start
        while index < readFilters.count {
            let active = readFilters[index]
            index += 1
            guard let filter = active.filter else { continue }
            // A filter calling continueReading() from its own callback during a pass over the
            // read buffer resumes this pass after it (the buffer is checked out right now).
            (callbackPosition, continueRequested) = (injected == nil ? index - 1 : -1, false)
            if !active.initialized {
                active.initialized = true
                let status = filter.onNewConnection()
                if connection.state != .open { return }
                if status == .stopIteration {
                    if continueRequested { continue }
                    return
                }
            }
            if buffer.readableBytes > 0 || endStream {
                let status = filter.onData(&buffer, endStream: endStream)
                if connection.state != .open || (status == .stopIteration && !continueRequested) { return }
            }
        }
    }

    /// Runs the write filters over `data`. Returns `.continue` when every filter continued.
    func onWrite(_ data: inout ByteBuffer, endStream: Bool, on connection: NetworkConnection) -> FilterStatus {
        if writeFilters.isEmpty { return .continue }
        return iterateWrite(on: connection, startingAt: 0, data: &data, endStream: endStream)
    }

    func injectWrite(after active: ActiveWriteFilter, on connection: NetworkConnection, data: ByteBuffer, endStream: Bool) {
        guard let index = writeFilters.firstIndex(where: { $0 === active }) else { return }
        var data = data
        if iterateWrite(on: connection, startingAt: index + 1, data: &data, endStream: endStream) == .continue {
            connection.rawWrite(data, endStream: endStream)
        }
    }

    private func iterateWrite(
        on connection: NetworkConnection,
        startingAt start: Int,
        data: inout ByteBuffer,
        endStream: Bool
    ) -> FilterStatus {
        var index = start
        while index < writeFilters.count {
            let active = writeFilters[index]
            index += 1
            guard let filter = active.filter else { continue }
            let status = filter.onWrite(&data, endStream: endStream)
            if status == .stopIteration || connection.state != .open { return .stopIteration }
        }
        return .continue
    }

    func notifyUpstreamReady(host: HostDescription, from source: ActiveReadFilter, on connection: NetworkConnection) {
        upstreamHost = host
        for active in readFilters where active !== source {
            guard connection.state == .open else { return }
            active.filter?.onUpstreamReady(host: host)
        }
    }

    func notifyAboveHighWatermark() {
        for active in readFilters { active.filter?.onWriteBufferHighWatermark() }
    }

    func notifyBelowLowWatermark() {
        for active in readFilters { active.filter?.onWriteBufferLowWatermark() }
    }

    /// Drops every filter, breaking the reference cycles between filters and their callbacks.
    /// A filter that stores its callbacks forms a cycle with its slot, and the slot holds the
    /// connection; emptying the slots lets both go once nothing else holds the filter.
    func destroy() {
        for active in readFilters { active.filter = nil }
        for active in writeFilters { active.filter = nil }
        readFilters.removeAll()
        writeFilters.removeAll()
    }
}

@available(*, unavailable)
extension FilterManager: Sendable {}

/// A read filter's slot in the chain; also the callbacks handed to that filter. It holds the
/// connection (not the manager) strongly, so a filter kept alive by a timer never dangles.
final class ActiveReadFilter: ReadFilterCallbacks {
    let connection: NetworkConnection
    var filter: (any ReadFilter)?
    var initialized = false

    init(connection: NetworkConnection, filter: any ReadFilter) {
        self.connection = connection
        self.filter = filter
    }

    private var manager: FilterManager { connection.filterManager }

    func continueReading() {
        manager.continueReading(after: self, on: connection)
    }

    func injectReadDataToFilterChain(_ data: ByteBuffer, endStream: Bool) {
        manager.injectRead(after: self, on: connection, data: data, endStream: endStream)
    }

    var upstreamHost: HostDescription? {
        get { manager.upstreamHost }
        set { manager.upstreamHost = newValue }
    }

    func notifyUpstreamReady(host: HostDescription) {
        manager.notifyUpstreamReady(host: host, from: self, on: connection)
    }
}

/// A write filter's slot in the chain; also the callbacks handed to that filter.
final class ActiveWriteFilter: WriteFilterCallbacks {
    let connection: NetworkConnection
    var filter: (any WriteFilter)?

    init(connection: NetworkConnection, filter: any WriteFilter) {
        self.connection = connection
        self.filter = filter
    }

    private var manager: FilterManager { connection.filterManager }

    func injectWriteDataToFilterChain(_ data: ByteBuffer, endStream: Bool) {
        manager.injectWrite(after: self, on: connection, data: data, endStream: endStream)
    }
}
