import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One end of a real TCP connection that a fault test drives step by step: send, half-close,
/// reset, and await bytes or the peer's end. Every byte received goes into a SHA-256
/// (``receivedDigest``), and how the stream ended is recorded (``End``).
///
/// Used for both sides of a proxied connection: the client (``connect(port:)``) and the
/// backend's accepted connection (``FaultBackend``). Remote half-close is on, so a FIN is seen
/// as ``End/eof`` while this side can still send.
final class FaultPeer: Sendable {
    /// How the peer's stream ended.
    enum End: Sendable, Equatable, CustomStringConvertible {
        /// A FIN: every byte sent before it arrived.
        case eof
        /// A TCP reset (ECONNRESET, or EPIPE on a write after one).
        case reset
        /// Another error (`errno`).
        case error(Int32)

        var description: String {
            switch self {
            case .eof: "FIN"
            case .reset: "RST"
            case .error(let code): "errno \(code)"
            }
        }
    }

    final class Record: Sendable {
        struct State {
            var digest = StreamDigest()
            var received = 0
            var end: End?
            var inactive = false
        }
        let state = Mutex(State())
    }

    let channel: any Channel
    let record: Record

    init(channel: any Channel, record: Record) {
        self.channel = channel
        self.record = record
    }

    /// Bytes received so far.
    var received: Int { record.state.withLock { $0.received } }
    /// How the peer ended its stream, if it has.
    var end: End? { record.state.withLock { $0.end } }
    /// Whether the socket is fully closed.
    var isClosed: Bool { record.state.withLock { $0.inactive } }
    /// SHA-256 of every byte received (call once the stream is over).
    var receivedDigest: String { record.state.withLock { $0.digest.hex } }

    /// Connects to 127.0.0.1:`port`; with `reading` false, nothing is read until
    /// ``startReading()``.
    static func connect(
        port: Int,
        reading: Bool = true,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> FaultPeer {
        let record = Record()
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: reading)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FaultPeerHandler(record: record))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return FaultPeer(channel: channel, record: record)
    }

    /// Sends `payload` in 64 KiB writes; returns once the last was handed to the kernel.
    func send(_ payload: ByteBuffer) async throws {
        var rest = payload
        var last: EventLoopFuture<Void>?
        while rest.readableBytes > 0 {
            let chunk = rest.readSlice(length: min(64 * 1024, rest.readableBytes))!
            last = channel.writeAndFlush(chunk)
        }
        try await last?.get()
    }

    /// Starts reading (for a peer connected with `reading: false`).
    func startReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Queues `payload` for sending and returns at once (the writes go on in the background).
    func startSending(_ payload: ByteBuffer) {
        var rest = payload
        while rest.readableBytes > 0 {
            let chunk = rest.readSlice(length: min(64 * 1024, rest.readableBytes))!
            _ = channel.writeAndFlush(chunk)
        }
    }

    /// Sends a FIN (after everything already written).
    func halfClose() async throws {
        try await channel.close(mode: .output)
    }

    /// Closes with a TCP reset (SO_LINGER 0, then close).
    func reset() async {
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }

    /// Closes normally.
    func close() async {
        try? await channel.close()
    }

    /// Waits until at least `count` bytes arrived; false on timeout or an earlier end.
    func awaitReceived(_ count: Int, timeout: TimeAmount = .seconds(10)) async throws -> Bool {
        _ = try await eventually(timeout: timeout) {
            record.state.withLock { $0.received >= count || $0.end != nil }
        }
        return received >= count
    }

    /// Waits for the peer's end of stream; nil on timeout.
    func awaitEnd(timeout: TimeAmount = .seconds(10)) async throws -> End? {
        _ = try await eventually(timeout: timeout) { end != nil }
        return end
    }

    /// Waits until the socket is fully closed.
    func awaitClosed(timeout: TimeAmount = .seconds(10)) async throws -> Bool {
        try await eventually(timeout: timeout) { isClosed }
    }
}

/// Records what a ``FaultPeer`` receives and how it ends.
final class FaultPeerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let record: FaultPeer.Record

    init(record: FaultPeer.Record) {
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        record.state.withLock { state in
            state.digest.update(buffer)
            state.received += buffer.readableBytes
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            note(.eof)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError {
            note(error.errnoCode == ECONNRESET || error.errnoCode == EPIPE ? .reset : .error(error.errnoCode))
        } else {
            note(.error(-1))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A close with neither FIN nor error seen first: NIO reports a FIN that follows our
        // own as a plain close.
        note(.eof)
        record.state.withLock { $0.inactive = true }
        context.fireChannelInactive()
    }

    private func note(_ end: FaultPeer.End) {
        record.state.withLock { state in
            if state.end == nil { state.end = end }
        }
    }
}

/// A server on 127.0.0.1:0 whose accepted connections are ``FaultPeer``s the test drives.
final class FaultBackend: Sendable {
    final class Accepted: Sendable {
        let peers = Mutex<[FaultPeer]>([])
    }

    let channel: any Channel
    private let accepted: Accepted
    var port: Int { channel.localAddress!.port! }
    /// Connections accepted so far.
    var acceptedCount: Int { accepted.peers.withLock { $0.count } }

    private init(channel: any Channel, accepted: Accepted) {
        self.channel = channel
        self.accepted = accepted
    }

    static func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> FaultBackend {
        let accepted = Accepted()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let record = FaultPeer.Record()
                accepted.peers.withLock { $0.append(FaultPeer(channel: channel, record: record)) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FaultPeerHandler(record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return FaultBackend(channel: channel, accepted: accepted)
    }

    /// The `index`th accepted connection, once it was accepted.
    func peer(_ index: Int = 0, timeout: TimeAmount = .seconds(10)) async throws -> FaultPeer? {
        _ = try await eventually(timeout: timeout) { acceptedCount > index }
        return accepted.peers.withLock { $0.count > index ? $0[index] : nil }
    }

    func stop() async {
        try? await channel.close()
        for peer in accepted.peers.withLock({ $0 }) { await peer.close() }
    }
}

/// A loopback port where connections are refused: a socket bound to 127.0.0.1:0 that never
/// listens. Holding it keeps the port from being reused by anyone else during the test.
final class RefusingPort: Sendable {
    let port: Int
    private let fd: Int32
    private let owned = Atomic<Bool>(true)

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FaultSocketError("socket: errno \(errno)") }
        port = try bindLoopback(fd)
    }

    /// Starts an echo server listening on this socket (NIO takes the descriptor over).
    func startEchoing(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> any Channel {
        precondition(owned.exchange(false, ordering: .relaxed), "the socket was already handed over")
        return try await ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .withBoundSocket(fd)
            .get()
    }

    /// Closes the socket unless it was handed over.
    func close() {
        if owned.exchange(false, ordering: .relaxed) { _ = Glibc.close(fd) }
    }
}

/// A loopback port whose SYNs are dropped (a black hole, without root): a listening socket
/// with backlog 0 whose accept queue is filled by one connection that is never accepted. Linux
/// drops a SYN for a listener whose accept queue is full, so a connect there neither
/// completes nor is refused until the client's SYN retries run out.
final class BlackHolePort: Sendable {
    let fd: Int32
    let filler: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FaultSocketError("socket: errno \(errno)") }
        port = try bindLoopback(fd)
        guard listen(fd, 0) == 0 else { throw FaultSocketError("listen: errno \(errno)") }
        // One completed connection fills a backlog-0 accept queue. A blocking connect returns
        // once the handshake is done, so the queue is full when this returns.
        filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopbackAddress(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw FaultSocketError("filler connect: errno \(errno)") }
    }

    func close() {
        _ = Glibc.close(filler)
        _ = Glibc.close(fd)
    }
}

struct FaultSocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// Binds `fd` to 127.0.0.1:0 and returns the port the kernel chose.
private func bindLoopback(_ fd: Int32) throws -> Int {
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw FaultSocketError("bind: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getsockname(fd, $0, &length)
        }
    }
    guard named == 0 else { throw FaultSocketError("getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
