import NIOCore
import Synchronization

/// A proxied connection as filters see it: Envoy's `Network::Connection` semantics over a
/// ``ConnectionTransport`` (the runtime's socket, or the test kit's in-memory peer).
///
/// It owns the connection's filter manager, read buffer, close state machine, reference-
/// counted read-disable, half-close rules and watermark events. Closing semantics:
/// - ``ConnectionCloseType/flushWrite``: stop reading, send what is pending, then close;
///   ``ConnectionState/closing`` meanwhile; ``ConnectionEvent/localClose`` when done.
/// - ``ConnectionCloseType/noFlush`` / ``ConnectionCloseType/abort``: close now, raising
///   ``ConnectionEvent/localClose`` synchronously.
/// - ``ConnectionCloseType/abortReset``: as abort, with a TCP RST.
///
/// Half-close (off by default, as in Envoy): when off, a peer FIN is a full remote close; when
/// on, the read filters see `endStream` once and the socket closes when both directions ended.
///
/// - Note: Confined to one event loop for its whole life; not `Sendable`.
public final class NetworkConnection {
    /// A process-unique, increasing id.
    public let id: UInt64
    /// The connection's event loop.
    public let dispatcher: Dispatcher
    /// Proxying facts for stats and logs (shared by the upstream connection of a proxy pair:
    /// an upstream connection has its own).
    public let streamInfo: StreamInfo
    /// Whether this connection was made by the proxy to an upstream host.
    public let isUpstream: Bool
    /// Watermark limit: high = limit, low = limit / 2; 0 disables watermarks.
    public let bufferLimit: Int
    /// The local address.
    public package(set) var localAddress: SocketAddress?
    /// The peer's address.
    public package(set) var remoteAddress: SocketAddress?
    /// The TLS facts, when the transport is TLS and the handshake is done.
    public internal(set) var tls: TLSConnectionInfo? {
        get { tlsBox?.info }
        set { tlsBox = newValue.map(TLSConnectionInfoBox.init) }
    }
    private var tlsBox: TLSConnectionInfoBox?
    /// On an upstream connection, the cluster of the host at the other end; nil on a
    /// downstream connection. (The chain's selected host is ``upstreamHost``.)
    public package(set) var remoteCluster: ClusterInfo?
    /// On an upstream connection, the host at the other end; nil on a downstream connection.
    public package(set) var remoteHost: HostDescription?
    /// Where the connection is in its life.
    public private(set) var state: ConnectionState = .open
    /// How the connection closed (``ConnectionEvent/localClose`` or
    /// ``ConnectionEvent/remoteClose``), once it is closed.
    public private(set) var closeEvent: ConnectionEvent?
    /// Whether a peer FIN is delivered as `endStream` instead of closing the connection.
    public var isHalfCloseEnabled = false
    /// The per-connection filter state (the stream info's).
    public var filterState: FilterState { streamInfo.filterState }
    /// The negotiated ALPN protocol, or "" (Envoy's `nextProtocol()`).
    public var negotiatedProtocol: String { tls?.alpn ?? "" }
    /// The SNI: what the client sent (server side) or what was sent (client side).
    public var requestedServerName: String {
        if let name = tls?.serverName, !name.isEmpty { return name }
        return streamInfo.requestedServerName
    }
    /// Whether the transport is ready: ``ConnectionEvent/connected`` was raised (for TLS, the
    /// handshake is done and ``tls`` is set).
    public private(set) var isConnected = false
    /// Whether the write buffer is above its high watermark.
    public private(set) var isAboveHighWatermark = false
    /// Whether reading is enabled (no outstanding ``readDisable(_:)``).
    public var isReadEnabled: Bool { readDisableCount == 0 }
    /// Wire counters: plaintext bytes read from / written to the transport.
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0

    let filterManager = FilterManager()
    private let transport: any ConnectionTransport
    private var callbacks = InlineFirstList<any ConnectionCallbacks>()
    private var readBuffer: ByteBuffer?
    private var readDisableCount = 0
    private var readDisabledByWatermark = false
    private var transportReadEnabled = true
    private(set) var pendingReadEndStream = false
    private var endStreamDelivered = false
    private var writeEnded = false
    private var closeRequestedLocally = false
    private var redispatchPosted = false
    private var closeAfterPendingRead = false
    private var closedHandlers: [() -> Void] = []
    private let liveObject: LiveObjectToken

    /// Creates a connection over `transport`. Call on the connection's event loop.
    public init(
        id: UInt64,
        transport: any ConnectionTransport,
        dispatcher: Dispatcher,
        streamInfo: StreamInfo,
        isUpstream: Bool = false,
        bufferLimit: Int = 1 << 20
    ) {
        self.id = id
        self.transport = transport
        self.dispatcher = dispatcher
        self.streamInfo = streamInfo
        self.isUpstream = isUpstream
        self.bufferLimit = bufferLimit
        self.liveObject = LiveObjectToken(.networkConnection, on: dispatcher.eventLoop)
    }

    // MARK: - Filters

    /// Adds a read filter at the end of the read chain.
    public func addReadFilter(_ filter: any ReadFilter) {
        filterManager.addReadFilter(filter, on: self)
    }

    /// Adds a write filter; it will see writes before the write filters added earlier.
    public func addWriteFilter(_ filter: any WriteFilter) {
        filterManager.addWriteFilter(filter, on: self)
    }

    /// Adds one filter to both chains.
    public func addFilter(_ filter: any NetworkFilter) {
        filterManager.addReadFilter(filter, on: self)
        filterManager.addWriteFilter(filter, on: self)
    }

    /// Removes a read filter (its slot is kept empty).
    public func removeReadFilter(_ filter: any ReadFilter) {
        filterManager.removeReadFilter(filter)
    }

    /// Calls `onNewConnection` on the read filters. Returns false if there are none (the
    /// caller then closes the connection, as Envoy does).
    @discardableResult
    public func initializeReadFilters() -> Bool {
        filterManager.initializeReadFilters(on: self)
    }

    /// The shared upstream-host slot of the filter chain.
    public var upstreamHost: HostDescription? {
        get { filterManager.upstreamHost }
        set { filterManager.upstreamHost = newValue }
    }

    // MARK: - Callbacks

    /// Registers an observer of events and watermarks.
    public func addConnectionCallbacks(_ callback: any ConnectionCallbacks) {
        callbacks.append(callback)
    }

    /// Unregisters an observer.
    public func removeConnectionCallbacks(_ callback: any ConnectionCallbacks) {
        callbacks.removeAll { $0 === callback }
    }

    private func raise(_ event: ConnectionEvent) {
        for callback in callbacks { callback.onEvent(event) }
    }

    // MARK: - Writing

    /// Writes `data` through the write filters to the peer. With `endStream`, half-closes the
    /// write side once the data is out. Ignored once the connection is not open or after an
    /// earlier `endStream`.
    public func write(_ data: ByteBuffer, endStream: Bool = false) {
        guard state == .open, !writeEnded else { return }
        var data = data
        if filterManager.onWrite(&data, endStream: endStream, on: self) == .stopIteration { return }
        rawWrite(data, endStream: endStream)
    }

    /// Writes past the filters (used by write-filter injection).
    func rawWrite(_ data: ByteBuffer, endStream: Bool) {
        guard state != .closed, !writeEnded else { return }
        if data.readableBytes > 0 {
            bytesWritten &+= UInt64(data.readableBytes)
            transport.write(data)
        }
        if endStream {
            writeEnded = true
            transport.shutdownWrite()
            closeIfBothDirectionsEnded()
        }
    }

    // MARK: - Closing

    /// Closes the connection. Closing a closed connection does nothing.
    public func close(_ type: ConnectionCloseType) {
        switch state {
        case .closed:
            return
        case .closing:
            if type == .flushWrite { return }
        case .open:
            break
        }
        closeRequestedLocally = true
        switch type {
        case .flushWrite:
            state = .closing
            setTransportRead(enabled: false)
            transport.close(.afterFlush)
        case .noFlush, .abort:
            finishClose(.localClose)
            transport.close(.immediately)
        case .abortReset:
            finishClose(.localClose)
            transport.close(.reset)
        }
    }

    private func finishClose(_ event: ConnectionEvent) {
        guard state != .closed else { return }
        state = .closed
        closeEvent = event
        readBuffer = nil
        raise(event)
        let handlers = closedHandlers
        closedHandlers.removeAll()
        for handler in handlers { handler() }
    }

    /// Runs `body` once the connection is closed (at once if it already is). For the
    /// runtime, which tears the connection down then.
    package func whenClosed(_ body: @escaping () -> Void) {
        if state == .closed {
            body()
        } else {
            closedHandlers.append(body)
        }
    }

    private func closeIfBothDirectionsEnded() {
        guard isHalfCloseEnabled, writeEnded, endStreamDelivered, state == .open else { return }
        state = .closing
        transport.close(.afterFlush)
    }

    /// Drops the filters and observers. The runtime calls this after the close event was
    /// delivered, so nothing keeps the connection alive.
    package func destroy() {
        if state != .closed { close(.noFlush) }
        filterManager.destroy()
        callbacks.removeAll()
    }

    // MARK: - Reading

    /// Stops (`true`) or resumes (`false`) reading. Reference-counted: n disables need n
    /// enables. When reading resumes with bytes already buffered, they are re-dispatched.
    public func readDisable(_ disable: Bool) {
        guard state == .open else { return }
        if disable {
            readDisableCount += 1
            if readDisableCount == 1 { updateTransportRead() }
        } else {
            guard readDisableCount > 0 else { return }
            readDisableCount -= 1
            if readDisableCount == 0 {
                updateTransportRead()
                scheduleRedispatchIfNeeded()
            }
        }
    }

    private func scheduleRedispatchIfNeeded() {
        let hasBytes = (readBuffer?.readableBytes ?? 0) > 0
        let hasEnd = pendingReadEndStream && !endStreamDelivered
        guard hasBytes || hasEnd, !redispatchPosted else { return }
        redispatchPosted = true
        dispatcher.post { [self] in
            redispatchPosted = false
            if readDisableCount == 0 { dispatchRead() }
        }
    }

    private func updateTransportRead() {
        setTransportRead(enabled: readDisableCount == 0 && !readDisabledByWatermark && state == .open)
    }

    private func setTransportRead(enabled: Bool) {
        guard enabled != transportReadEnabled else { return }
        transportReadEnabled = enabled
        transport.setReadEnabled(enabled)
    }

    func takeReadBuffer() -> ByteBuffer {
        if let buffer = readBuffer {
            readBuffer = nil
            return buffer
        }
        return ByteBuffer()
    }

    func restoreReadBuffer(_ buffer: ByteBuffer) {
        guard state != .closed else { return }
        if buffer.readableBytes == 0 {
            if readBuffer?.readableBytes == 0 { readBuffer = nil }
        } else if var newer = readBuffer {
            var merged = buffer
            merged.writeBuffer(&newer)
            readBuffer = merged
        } else {
            readBuffer = buffer
        }
        applyReadWatermarks()
    }

    private func applyReadWatermarks() {
        guard bufferLimit > 0 else { return }
        let buffered = readBuffer?.readableBytes ?? 0
        if !readDisabledByWatermark && buffered > bufferLimit {
            readDisabledByWatermark = true
            updateTransportRead()
        } else if readDisabledByWatermark && buffered <= bufferLimit / 2 {
            readDisabledByWatermark = false
            updateTransportRead()
        }
    }

    private func dispatchRead() {
        guard state == .open else { return }
        // As Envoy's ConnectionImpl::onRead: end of stream is dispatched by the connection
        // once, and only here does it count as delivered (a pass started by continueReading()
        // hands it on without consuming it). No read is dispatched after that; a filter that
        // kept bytes resumes with continueReading().
        if pendingReadEndStream {
            if endStreamDelivered { return }
            endStreamDelivered = true
        }
        filterManager.onRead(on: self)
        if closeAfterPendingRead && endStreamDelivered {
            closeFromRemote()
            return
        }
        closeIfBothDirectionsEnded()
    }

    // MARK: - Transport → connection

    /// The transport is ready (TCP connected, TLS handshake done).
    package func transportConnected(tls: TLSConnectionInfo? = nil) {
        if let tls { self.tls = tls }
        guard state == .open else { return }
        isConnected = true
        raise(.connected)
    }

    /// The transport read plaintext bytes.
    package func transportRead(_ data: ByteBuffer) {
        guard state == .open, !endStreamDelivered else { return }
        bytesRead &+= UInt64(data.readableBytes)
        if var existing = readBuffer {
            var data = data
            readBuffer = nil
            existing.writeBuffer(&data)
            readBuffer = existing
        } else {
            readBuffer = data
        }
        if readDisableCount == 0 {
            dispatchRead()
        } else {
            applyReadWatermarks()
        }
    }

    /// The peer half-closed (FIN, or TLS close_notify).
    package func transportReadEOF() {
        guard state == .open, !pendingReadEndStream else { return }
        pendingReadEndStream = true
        if !isHalfCloseEnabled {
            if readDisableCount == 0, (readBuffer?.readableBytes ?? 0) > 0 {
                pendingReadEndStream = false
                dispatchRead()
            }
            closeFromRemote()
            return
        }
        if readDisableCount == 0 { dispatchRead() }
    }

    /// The socket is gone (peer close, reset, error, or our own close finished).
    ///
    /// - Parameter orderly: the peer ended with a FIN after our own write side had ended,
    ///   so bytes already read (and held while reading was disabled) are still delivered,
    ///   with end of stream, before the connection reports the close — exactly as if they
    ///   had waited in the kernel.
    package func transportClosed(orderly: Bool = false) {
        if orderly, isHalfCloseEnabled, state == .open, writeEnded, !endStreamDelivered {
            pendingReadEndStream = true
            closeAfterPendingRead = true
            if readDisableCount == 0 { dispatchRead() }
            return
        }
        closeFromRemote()
    }

    private func closeFromRemote() {
        guard state != .closed else { return }
        if closeRequestedLocally {
            finishClose(.localClose)
        } else {
            finishClose(.remoteClose)
        }
        transport.close(.immediately)
    }

    /// The transport's pending writes crossed the high (`false`) or low (`true`) watermark.
    package func transportWritabilityChanged(isWritable: Bool) {
        guard bufferLimit > 0, state != .closed else { return }
        if !isWritable && !isAboveHighWatermark {
            isAboveHighWatermark = true
            for callback in callbacks { callback.onAboveWriteBufferHighWatermark() }
            filterManager.notifyAboveHighWatermark()
        } else if isWritable && isAboveHighWatermark {
            isAboveHighWatermark = false
            for callback in callbacks { callback.onBelowWriteBufferLowWatermark() }
            filterManager.notifyBelowLowWatermark()
        }
    }

    /// Records the TLS facts once the handshake is done.
    package func setTLS(_ info: TLSConnectionInfo) {
        tls = info
    }
}

@available(*, unavailable)
extension NetworkConnection: Sendable {}

extension NetworkConnection {
    private static let idSource = Atomic<UInt64>(1)

    /// A fresh process-unique connection id.
    public static func nextID() -> UInt64 {
        idSource.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
