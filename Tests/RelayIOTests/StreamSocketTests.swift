#if os(Linux)
import Glibc
import NIOCore
import RelayIO
import Testing

/// RelayIO sockets on real loopback connections: byte integrity both ways, half-close in each
/// order, paused reading, watermarks under a stalled reader, refused connects and resets.
@Suite(.timeLimit(.minutes(1)))
struct StreamSocketTests {
    /// A listening socket on `loop` whose accepted sockets get a `SocketProbe` (echoing when
    /// `echo`), and a connected client probe.
    private func connectedPair(
        on loop: NativeEventLoop,
        echo: Bool = false,
        serverReading: Bool = true
    ) async throws -> (client: NIOLoopBound<SocketProbe>, server: EventLoopFuture<NIOLoopBound<SocketProbe>>, listener: NIOLoopBound<ListeningSocket>) {
        try await loop.flatSubmit { () -> EventLoopFuture<(NIOLoopBound<SocketProbe>, EventLoopFuture<NIOLoopBound<SocketProbe>>, NIOLoopBound<ListeningSocket>)> in
            let accepted = loop.makePromise(of: NIOLoopBound<SocketProbe>.self)
            let listener = try! ListeningSocket(
                address: try! SocketAddress(ipAddress: "127.0.0.1", port: 0),
                backlog: 16,
                reusePort: false,
                options: [],
                on: loop,
                onAccept: { descriptor, peer in
                    let probe = SocketProbe(loop: loop, echo: echo)
                    let socket = try! StreamSocket.adopt(accepted: descriptor, remoteAddress: peer, on: loop, configuration: .init())
                    probe.socket = socket
                    socket.setDelegate(probe)
                    if !serverReading { socket.setReadEnabled(false) }
                    accepted.succeed(NIOLoopBound(probe, eventLoop: loop))
                },
                onAcceptError: { _ in }
            )
            let client = SocketProbe(loop: loop, echo: false)
            client.socket = try! StreamSocket.connect(
                to: listener.localAddress,
                options: [.tcpNoDelay],
                on: loop,
                configuration: .init(),
                delegate: client
            )
            return client.until { $0.connected }.assumeIsolated().map {
                (NIOLoopBound(client, eventLoop: loop), accepted.futureResult, NIOLoopBound(listener, eventLoop: loop))
            }.nonisolated()
        }.get()
    }

    /// `size` pseudo-random bytes (filled through a raw buffer: a byte-at-a-time ByteBuffer
    /// write would hold a cooperative thread for seconds in a debug build).
    private static func payload(_ size: Int, seed: UInt64) -> ByteBuffer {
        var state = seed | 1
        var buffer = ByteBuffer()
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in 0..<(size / 8) {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[index] = state
            }
            return size / 8 * 8
        }
        return buffer
    }

    @Test func bytesArriveIntactBothWays() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.eventLoops[0]
        let (client, serverFuture, listener) = try await connectedPair(on: loop, echo: true)
        let payload = Self.payload(4 << 20, seed: 3)
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            var rest = payload
            while rest.readableBytes > 0 {
                client.value.socket?.write(rest.readSlice(length: min(rest.readableBytes, 100_000))!)
            }
            return client.value.until { $0.received.readableBytes >= payload.readableBytes }
        }.get()
        let echoed = try await loop.submit { client.value.received }.get()
        #expect(echoed == payload)
        _ = try await serverFuture.get()
        try await loop.submit {
            client.value.socket?.close(.immediately)
            listener.value.close()
        }.get()
        try await group.shutdownGracefully()
    }

    @Test func halfCloseFromTheClientLeavesTheOtherDirectionOpen() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.eventLoops[0]
        let (client, serverFuture, listener) = try await connectedPair(on: loop)
        let server = try await serverFuture.get()
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            client.value.socket?.write(ByteBuffer(string: "request"))
            client.value.socket?.shutdownOutput()
            return server.value.until { $0.sawEOF && $0.received.readableBytes == 7 }
        }.get()
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            // After the client's FIN the server still answers, then ends its side.
            server.value.socket?.write(ByteBuffer(string: "response after your FIN"))
            server.value.socket?.shutdownOutput()
            return client.value.until { $0.closed }.and(server.value.until { $0.closed }).map { _ in }
        }.get()
        let (clientResult, serverResult) = try await loop.submit {
            (
                (String(buffer: client.value.received), client.value.closeError, client.value.sawEOF),
                (String(buffer: server.value.received), server.value.closeError)
            )
        }.get()
        #expect(clientResult.0 == "response after your FIN")
        #expect(clientResult.1 == nil, "a FIN after our own FIN is an orderly close")
        #expect(!clientResult.2, "the client's close is the end; no separate end-of-input report")
        #expect(serverResult.0 == "request")
        #expect(serverResult.1 == nil)
        try await loop.submit { listener.value.close() }.get()
        try await group.shutdownGracefully()
    }

    @Test func pausedReadingKeepsBytesAndTheEndUntilResumed() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.eventLoops[0]
        let (client, serverFuture, listener) = try await connectedPair(on: loop, serverReading: false)
        let server = try await serverFuture.get()
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            client.value.socket?.write(ByteBuffer(string: "held"))
            client.value.socket?.shutdownOutput()
            // A round trip on a second connection would be a sleep; instead wait for the
            // client's FIN to be on its way (its output closed) and check nothing was read.
            return client.value.until { $0.outputClosed }
        }.get()
        #expect(try await loop.submit { server.value.received.readableBytes == 0 && !server.value.sawEOF }.get())
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            server.value.socket?.setReadEnabled(true)
            return server.value.until { $0.sawEOF }
        }.get()
        #expect(try await loop.submit { String(buffer: server.value.received) }.get() == "held")
        try await loop.submit {
            server.value.socket?.close(.immediately)
            client.value.socket?.close(.immediately)
            listener.value.close()
        }.get()
        try await group.shutdownGracefully()
    }

    @Test func aStalledReaderMakesTheWriterUnwritableUntilItDrains() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.eventLoops[0]
        let (client, serverFuture, listener) = try await connectedPair(on: loop, serverReading: false)
        let server = try await serverFuture.get()
        let payload = Self.payload(8 << 20, seed: 9)
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            client.value.socket?.write(payload)
            return client.value.until { $0.writability == [false] }
        }.get()
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            server.value.socket?.setReadEnabled(true)
            return server.value.until { $0.received.readableBytes >= payload.readableBytes }
                .and(client.value.until { $0.writability == [false, true] }).map { _ in }
        }.get()
        #expect(try await loop.submit { server.value.received == payload }.get())
        try await loop.submit {
            server.value.socket?.close(.immediately)
            client.value.socket?.close(.immediately)
            listener.value.close()
        }.get()
        try await group.shutdownGracefully()
    }

    @Test func aResetReachesThePeerAsAnError() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.eventLoops[0]
        let (client, serverFuture, listener) = try await connectedPair(on: loop)
        let server = try await serverFuture.get()
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            client.value.socket?.close(.reset)
            return server.value.until { $0.closed }
        }.get()
        #expect(try await loop.submit { server.value.closeError?.code }.get() == ECONNRESET)
        try await loop.submit { listener.value.close() }.get()
        try await group.shutdownGracefully()
    }

    @Test func aRefusedConnectIsReportedAsAnErrorWhileConnecting() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.eventLoops[0]
        let (code, whileConnecting) = try await loop.flatSubmit { () -> EventLoopFuture<(Int32?, Bool)> in
            // A port that was just listening and is now closed refuses.
            let listener = try! ListeningSocket(
                address: try! SocketAddress(ipAddress: "127.0.0.1", port: 0),
                backlog: 1, reusePort: false, options: [], on: loop, onAccept: { _, _ in }, onAcceptError: { _ in }
            )
            let address = listener.localAddress
            listener.close()
            let probe = SocketProbe(loop: loop, echo: false)
            probe.socket = try! StreamSocket.connect(to: address, options: [], on: loop, configuration: .init(), delegate: probe)
            return probe.until { $0.closed }.assumeIsolated().map { (probe.closeError?.code, probe.closedWhileConnecting) }.nonisolated()
        }.get()
        #expect(code == ECONNREFUSED)
        #expect(whileConnecting)
        try await group.shutdownGracefully()
    }
}

/// Records what a ``StreamSocket`` reports and lets a test wait for a condition on it.
///
/// - Note: Confined to its loop.
final class SocketProbe: StreamSocketDelegate {
    let loop: NativeEventLoop
    let echo: Bool
    var socket: StreamSocket?
    var connected = false
    var received = ByteBuffer()
    var sawEOF = false
    var outputClosed = false
    var closed = false
    var closeError: SocketError?
    var closedWhileConnecting = false
    var writability: [Bool] = []
    private var waiters: [(condition: (SocketProbe) -> Bool, promise: EventLoopPromise<Void>)] = []

    init(loop: NativeEventLoop, echo: Bool) {
        self.loop = loop
        self.echo = echo
    }

    /// Completes once `condition` holds (at once if it does now).
    func until(_ condition: @escaping (SocketProbe) -> Bool) -> EventLoopFuture<Void> {
        if condition(self) { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        waiters.append((condition, promise))
        return promise.futureResult
    }

    private func check() {
        let ready = waiters.filter { $0.condition(self) }
        waiters.removeAll { $0.condition(self) }
        for waiter in ready { waiter.promise.succeed() }
    }

    func streamSocketConnected() {
        connected = true
        check()
    }

    func streamSocketRead(_ data: ByteBuffer) {
        var data = data
        if echo { socket?.write(data) }
        received.writeBuffer(&data)
        check()
    }

    func streamSocketReadEOF() {
        sawEOF = true
        check()
    }

    func streamSocketOutputClosed() {
        outputClosed = true
        check()
    }

    func streamSocketWritabilityChanged(isWritable: Bool) {
        writability.append(isWritable)
        check()
    }

    func streamSocketClosed(error: SocketError?, whileConnecting: Bool) {
        closed = true
        closeError = error
        closedWhileConnecting = whileConnecting
        check()
    }
}
#endif
