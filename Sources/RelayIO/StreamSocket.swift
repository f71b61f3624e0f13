#if os(Linux)
import CRelayIO
import Glibc
import NIOCore

/// One connected (or connecting) non-blocking TCP socket on a ``NativeEventLoop``.
///
/// Registered once for input, output and peer hang-up, edge-triggered, so its epoll interest
/// never changes: reading is paused by not reading (the readiness is remembered), writes go out
/// at once and wait for the output edge only when the kernel's buffer is full. Closing the
/// descriptor is the only clean-up the kernel needs.
///
/// Semantics follow NIO's stream channels with `allowRemoteHalfClosure`, which the runtime's
/// NIO path uses: a FIN while our output is open is reported (``StreamSocketDelegate/streamSocketReadEOF()``)
/// and the output stays usable; a FIN after our own FIN, or our FIN after the peer's, closes the
/// socket. Writes are queued in order; ``shutdownOutput()`` and ``close(_:)`` with
/// ``CloseMode/afterFlush`` act after every queued byte is written. Pending bytes above the high
/// watermark make the socket unwritable until they fall below the low one.
///
/// - Note: Confined to its event loop.
package final class StreamSocket: IOEventHandler {
    /// How ``close(_:)`` ends the socket.
    package enum CloseMode {
        /// After every queued byte is written.
        case afterFlush
        /// Now; queued bytes are dropped.
        case immediately
        /// Now, with a TCP reset (`SO_LINGER` 0).
        case reset
    }

    private enum State {
        case connecting
        case open
        case closed
    }

    package let loop: NativeEventLoop
    private let descriptor: CInt
    /// Held strongly until the socket closes (the delegate holds the socket too; the cycle ends
    /// with the close, as a NIO pipeline lets go of its handlers).
    private var delegate: (any StreamSocketDelegate)?
    private var state: State
    /// The peer's address (from `accept`, or the address connected to).
    package let remoteAddress: SocketAddress?

    // Reading.
    private var readEnabled = true
    /// The kernel has signalled input that has not been read to `EAGAIN` yet.
    private var readReady = false
    /// The peer hung up (EPOLLRDHUP/EPOLLHUP seen): read until EOF, not just until a short read.
    private var peerHungUp = false
    private var readScheduled = false
    private var inputClosed = false
    private var receiveSize: Int
    private let maximumReceiveSize: Int

    // Writing.
    private var pending = WriteQueue()
    private var pendingBytes = 0
    private var writeBlocked = false
    private var outputShutdownRequested = false
    private var outputClosed = false
    private var closeAfterFlush = false
    private var lowWatermark: Int
    private var highWatermark: Int
    package private(set) var isWritable = true

    /// Receive buffers start at `initialReceiveSize` bytes and double on every read that fills
    /// one, up to `maximumReceiveSize`.
    package struct Configuration: Sendable {
        package var initialReceiveSize = 2048
        package var maximumReceiveSize = 65536
        /// Pending-write watermarks; 0/0 turns writability reporting off.
        package var lowWatermark = 32 * 1024
        package var highWatermark = 64 * 1024

        package init() {}

        /// Watermarks from a per-connection buffer limit, as on NIO channels: high = limit,
        /// low = limit / 2; a limit of 0 turns writability reporting off.
        package init(bufferLimit limit: Int) {
            highWatermark = limit > 0 ? limit : 0
            lowWatermark = limit > 0 ? limit / 2 : 0
        }
    }

    private init(
        descriptor: CInt,
        state: State,
        remoteAddress: SocketAddress?,
        loop: NativeEventLoop,
        configuration: Configuration
    ) {
        self.descriptor = descriptor
        self.state = state
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.receiveSize = configuration.initialReceiveSize
        self.maximumReceiveSize = max(configuration.maximumReceiveSize, configuration.initialReceiveSize)
        self.lowWatermark = configuration.lowWatermark
        self.highWatermark = configuration.highWatermark
    }

    /// Adopts an accepted, non-blocking descriptor and registers it on `loop`. On failure the
    /// descriptor is closed.
    package static func adopt(
        accepted descriptor: CInt,
        remoteAddress: SocketAddress?,
        on loop: NativeEventLoop,
        configuration: Configuration
    ) throws -> StreamSocket {
        let socket = StreamSocket(
            descriptor: descriptor,
            state: .open,
            remoteAddress: remoteAddress,
            loop: loop,
            configuration: configuration
        )
        do {
            try loop.register(descriptor, events: Self.interest, handler: socket)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        return socket
    }

    /// Starts a non-blocking connect to `address` with `options` set first. The delegate hears
    /// ``StreamSocketDelegate/streamSocketConnected()`` or a close with the error.
    package static func connect(
        to address: SocketAddress,
        options: [RawSocketOption],
        on loop: NativeEventLoop,
        configuration: Configuration,
        delegate: any StreamSocketDelegate
    ) throws -> StreamSocket {
        let family = address.protocol.rawValue
        let descriptor = Glibc.socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        for option in options {
            do {
                try option.apply(to: descriptor)
            } catch {
                Glibc.close(descriptor)
                throw error
            }
        }
        let result = address.withSockAddr { pointer, length in
            Glibc.connect(descriptor, pointer, socklen_t(length))
        }
        let code = errno
        if result != 0 && code != EINPROGRESS {
            Glibc.close(descriptor)
            throw SocketError(operation: "connect", errno: code)
        }
        let socket = StreamSocket(
            descriptor: descriptor,
            state: .connecting,
            remoteAddress: address,
            loop: loop,
            configuration: configuration
        )
        socket.delegate = delegate
        do {
            try loop.register(descriptor, events: Self.interest, handler: socket)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        return socket
    }

    private static let interest = EpollEvents.input | EpollEvents.output | EpollEvents.peerHangup

    /// Sets the receiver of this socket's events (held until the socket closes).
    package func setDelegate(_ delegate: any StreamSocketDelegate) {
        self.delegate = delegate
    }

    /// Whether the descriptor is still open.
    package var isOpen: Bool { state != .closed }

    /// The local address (`getsockname`), asked of the kernel when called.
    package func localAddress() -> SocketAddress? {
        guard state != .closed else { return nil }
        return SocketAddressConversion.local(of: descriptor)
    }

    /// Changes the pending-write watermarks.
    package func setWatermarks(low: Int, high: Int) {
        lowWatermark = low
        highWatermark = high
    }

    /// Sets a socket option now.
    package func apply(_ option: RawSocketOption) throws {
        guard state != .closed else { return }
        try option.apply(to: descriptor)
    }

    // MARK: - Events

    package func handleIOEvents(_ events: UInt32) {
        switch state {
        case .closed:
            return
        case .connecting:
            if events & (EpollEvents.error | EpollEvents.hangup) != 0 {
                closeNow(error: SocketError(operation: "connect", errno: pendingError() ?? ECONNREFUSED))
                return
            }
            guard events & EpollEvents.output != 0 else { return }
            state = .open
            delegate?.streamSocketConnected()
            guard state == .open else { return }
            if events & (EpollEvents.input | EpollEvents.peerHangup) != 0 { markReadable(events) }
            flushPending()
        case .open:
            if events & EpollEvents.output != 0, writeBlocked {
                writeBlocked = false
                flushPending()
                guard state == .open else { return }
            }
            if events & EpollEvents.error != 0 {
                // A reset or another socket error: as NIO does, deliver what the kernel still
                // holds even while reading is paused (the connection buffers it), then close
                // with the error, so a dead peer is noticed at once.
                readReady = true
                peerHungUp = true
                readAvailable(ignoringPause: true)
                if state == .open {
                    closeNow(error: SocketError(operation: "read", errno: pendingError() ?? ECONNRESET))
                }
                return
            }
            if events & (EpollEvents.input | EpollEvents.peerHangup | EpollEvents.hangup) != 0 {
                markReadable(events)
            }
        }
    }

    private func markReadable(_ events: UInt32) {
        readReady = true
        if events & (EpollEvents.peerHangup | EpollEvents.hangup | EpollEvents.error) != 0 { peerHungUp = true }
        readAvailable()
    }

    private func pendingError() -> CInt? {
        var code: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length) == 0, code != 0 else { return nil }
        return code
    }

    // MARK: - Reading

    /// Starts or stops reading. Input that arrived meanwhile is read on the next loop turn.
    package func setReadEnabled(_ enabled: Bool) {
        guard enabled != readEnabled else { return }
        readEnabled = enabled
        if enabled, readReady { scheduleRead() }
    }

    private func scheduleRead() {
        guard !readScheduled else { return }
        readScheduled = true
        loop.executeOnLoop(self)
    }

    /// The read queued by ``scheduleRead()``.
    package func runDeferredWork() {
        readScheduled = false
        readAvailable()
    }

    /// Reads until the kernel has no more (a short read, unless the peer hung up), EOF, or a
    /// per-turn budget; then the rest waits for the next loop turn.
    private func readAvailable(ignoringPause: Bool = false) {
        var reads = 0
        while readReady, readEnabled || ignoringPause, state == .open, !inputClosed {
            if reads == 16 && !ignoringPause {
                scheduleRead()
                return
            }
            reads += 1
            let size = receiveSize
            var buffer = loop.takeReceiveBuffer(capacity: size)
            var code: CInt = 0
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { pointer -> Int in
                let result = Glibc.read(descriptor, pointer.baseAddress, size)
                if result < 0 {
                    code = errno
                    return 0
                }
                return result
            }
            if count > 0 {
                if count == size {
                    receiveSize = min(size * 2, maximumReceiveSize)
                } else if !peerHungUp {
                    // A short read drained the socket; new input raises a new edge.
                    readReady = false
                }
                delegate?.streamSocketRead(buffer)
                loop.recycleReceiveBuffer(&buffer)
                continue
            }
            loop.recycleReceiveBuffer(&buffer)
            if code == 0 {
                readReady = false
                inputClosed = true
                if outputClosed {
                    closeNow(error: nil)
                } else {
                    delegate?.streamSocketReadEOF()
                }
                return
            }
            switch code {
            case EAGAIN, EWOULDBLOCK:
                readReady = false
            case EINTR:
                continue
            default:
                closeNow(error: SocketError(operation: "read", errno: code))
                return
            }
        }
    }

    // MARK: - Writing

    /// Queues `data` and writes what the kernel takes now.
    package func write(_ data: ByteBuffer) {
        guard state != .closed, !outputShutdownRequested, !closeAfterFlush, data.readableBytes > 0 else { return }
        var data = data
        if state == .open, !writeBlocked, pending.isEmpty {
            // The common case: nothing queued, so the bytes go straight to the kernel and only
            // what it does not take is queued.
            var code: CInt = 0
            let written = sendOne(data, &code)
            if written == data.readableBytes { return }
            if written > 0 {
                data.moveReaderIndex(forwardBy: written)
            } else if code != EAGAIN && code != EWOULDBLOCK && code != EINTR {
                closeNow(error: SocketError(operation: "write", errno: code))
                return
            }
            if code == EAGAIN || code == EWOULDBLOCK { writeBlocked = true }
        }
        pending.append(data)
        pendingBytes += data.readableBytes
        if state == .open, !writeBlocked {
            flushPending()
        }
        updateWritability()
    }

    /// Sends FIN after every queued byte.
    package func shutdownOutput() {
        guard state != .closed, !outputShutdownRequested else { return }
        outputShutdownRequested = true
        if state == .open, pending.isEmpty { finishOutput() }
    }

    /// Closes the socket (see ``CloseMode``).
    package func close(_ mode: CloseMode) {
        guard state != .closed else { return }
        switch mode {
        case .afterFlush:
            closeAfterFlush = true
            if state != .open || pending.isEmpty { closeNow(error: nil) }
        case .immediately:
            closeNow(error: nil)
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            closeNow(error: nil)
        }
    }

    private func flushPending() {
        while !pending.isEmpty, state == .open {
            let written: Int
            var code: CInt = 0
            if pending.count == 1 {
                written = sendOne(pending[0], &code)
            } else {
                written = gatherWrite(&code)
            }
            if written < 0 {
                switch code {
                case EAGAIN, EWOULDBLOCK:
                    writeBlocked = true
                    return
                case EINTR:
                    continue
                default:
                    closeNow(error: SocketError(operation: "write", errno: code))
                    return
                }
            }
            consume(written)
        }
        guard state == .open, pending.isEmpty else { return }
        if closeAfterFlush {
            closeNow(error: nil)
        } else if outputShutdownRequested, !outputClosed {
            finishOutput()
        }
    }

    /// `send` of one buffer's readable bytes (no SIGPIPE); `code` is `errno` when it fails.
    private func sendOne(_ buffer: ByteBuffer, _ code: inout CInt) -> Int {
        let result = buffer.withUnsafeReadableBytes { bytes in
            send(descriptor, bytes.baseAddress, bytes.count, CInt(MSG_NOSIGNAL))
        }
        if result < 0 { code = errno }
        return result
    }

    /// `sendmsg` with up to 16 queued buffers. The buffers stay in `pending` (so their storage
    /// stays alive and unmoved) for the duration of the call.
    private func gatherWrite(_ code: inout CInt) -> Int {
        let count = min(pending.count, 16)
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors in
            for slot in 0..<count {
                let (base, length) = pending[slot].withUnsafeReadableBytes { ($0.baseAddress, $0.count) }
                vectors[slot] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base), iov_len: length)
            }
            var message = msghdr()
            message.msg_iov = vectors.baseAddress
            message.msg_iovlen = count
            let result = sendmsg(descriptor, &message, CInt(MSG_NOSIGNAL))
            if result < 0 { code = errno }
            return result
        }
    }

    private func consume(_ written: Int) {
        var remaining = written
        pendingBytes -= written
        while remaining > 0, !pending.isEmpty {
            let first = pending[0].readableBytes
            if first <= remaining {
                remaining -= first
                pending.removeFirst()
            } else {
                pending.consumeFirst(remaining)
                remaining = 0
            }
        }
        updateWritability()
    }

    private func updateWritability() {
        guard highWatermark > 0, state != .closed else { return }
        if isWritable, pendingBytes > highWatermark {
            isWritable = false
            delegate?.streamSocketWritabilityChanged(isWritable: false)
        } else if !isWritable, pendingBytes < lowWatermark {
            isWritable = true
            delegate?.streamSocketWritabilityChanged(isWritable: true)
        }
    }

    private func finishOutput() {
        outputClosed = true
        if inputClosed {
            closeNow(error: nil)
            return
        }
        if Glibc.shutdown(descriptor, CInt(SHUT_WR)) != 0 {
            let code = errno
            if code != ENOTCONN {
                closeNow(error: SocketError(operation: "shutdown", errno: code))
                return
            }
        }
        delegate?.streamSocketOutputClosed()
    }

    // MARK: - Closing

    private func closeNow(error: SocketError?) {
        guard state != .closed else { return }
        let wasConnecting = state == .connecting
        state = .closed
        loop.deregister(descriptor)
        Glibc.close(descriptor)
        pending.removeAll()
        pendingBytes = 0
        let delegate = self.delegate
        self.delegate = nil
        delegate?.streamSocketClosed(error: error, whileConnecting: wasConnecting)
    }
}

@available(*, unavailable)
extension StreamSocket: Sendable {}

/// What a ``StreamSocket`` reports, on its loop.
package protocol StreamSocketDelegate: AnyObject {
    /// An outbound connect finished.
    func streamSocketConnected()
    /// Bytes arrived.
    func streamSocketRead(_ data: ByteBuffer)
    /// The peer sent FIN while our output is open (half-close); the socket stays open.
    func streamSocketReadEOF()
    /// Our FIN went out (after every queued byte).
    func streamSocketOutputClosed()
    /// Pending writes crossed the high (`false`) or low (`true`) watermark.
    func streamSocketWritabilityChanged(isWritable: Bool)
    /// The descriptor is closed: `error` is nil for an orderly or requested close.
    func streamSocketClosed(error: SocketError?, whileConnecting: Bool)
}
#endif
