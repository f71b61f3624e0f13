import NIOCore
import NIOPosix
import Relay
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A backend that floods and a client that does not read: tcp_proxy's backpressure must stop
/// reading from the backend instead of buffering its output (spec §1.4, §3.5 (7)).
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct SlowReaderTests {
    static let floodSize = 256 << 20

    @Test func aClientThatReadsNothingStallsTheBackendWithBoundedBuffering() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let flood = try await FloodBackend.start(total: Self.floodSize, group: group)
        let relay = try await RunningRelay.start(yaml: TCPProxyIntegrationTests.proxyYAML(backendPort: flood.port))
        let rssBefore = residentSetKiB()

        let received = ByteCounter()
        let client = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CountingReader(counter: received))
                }
            }
            .connect(host: "127.0.0.1", port: relay.port("front"))
            .get()

        // The backend writes until every buffer on the way is full, then stalls: the proxy
        // paused reading and the count stopped moving for 50 checks (≥ 0.5 s).
        let stalled = try await eventually(timeout: .seconds(30)) {
            let moving = !flood.counter.stalledFor(checks: 50)
            return !moving && flood.counter.bytes.load(ordering: .relaxed) > 0
                && relay.counter("cluster.backend.upstream_flow_control_paused_reading_total") >= 1
        }
        let written = flood.counter.bytes.load(ordering: .relaxed)
        let rssStalled = residentSetKiB()
        let paused = relay.counter("cluster.backend.upstream_flow_control_paused_reading_total")
        print("""
            slow reader: backend wrote \(written) bytes (\(written >> 20) MiB) of \(Self.floodSize >> 20) MiB \
            before stalling; upstream reads paused \(paused)×; test process VmRSS \
            \(rssBefore.map { "\($0) KiB" } ?? "?") before, \(rssStalled.map { "\($0) KiB" } ?? "?") stalled
            """)
        #expect(stalled, "the backend never stalled: \(written) bytes written")
        #expect(written < 32 << 20, "\(written) bytes buffered between a non-reading client and the backend")
        #expect(paused >= 1)
        #expect(received.bytes.load(ordering: .relaxed) == 0)

        // Reading resumes: every byte arrives, in order, and the backend finishes.
        try await client.setOption(.autoRead, value: true).get()
        client.read()
        let done = try await eventually(timeout: .seconds(45)) {
            received.bytes.load(ordering: .relaxed) == Self.floodSize && received.closed.load(ordering: .relaxed)
        }
        #expect(done, "received \(received.bytes.load(ordering: .relaxed)) of \(Self.floodSize) bytes")
        #expect(received.mismatches.load(ordering: .relaxed) == 0)
        #expect(relay.counter("cluster.backend.upstream_flow_control_resumed_reading_total") >= 1)
        print("slow reader: after draining, test process VmRSS \(residentSetKiB().map { "\($0) KiB" } ?? "?")")

        try? await client.close()
        await relay.stop()
        await flood.stop()
    }
}

/// The byte at `offset` of the flood's 64 KiB block: no shorter period, so a lost, repeated
/// or reordered piece of the stream shows in the reader's comparison.
private func floodByte(at offset: Int) -> UInt8 {
    UInt8(truncatingIfNeeded: offset &* 31 &+ offset >> 8)
}

/// Bytes the flood backend handed to the kernel, and a stall detector over samples.
final class FloodCounter: Sendable {
    let bytes = Atomic<Int>(0)
    private let lastSample = Atomic<Int>(-1)
    private let unchanged = Atomic<Int>(0)

    /// Samples the count; true once it has not moved for `checks` consecutive samples.
    func stalledFor(checks: Int) -> Bool {
        let now = bytes.load(ordering: .relaxed)
        if lastSample.exchange(now, ordering: .relaxed) == now {
            return unchanged.wrappingAdd(1, ordering: .relaxed).newValue >= checks
        }
        unchanged.store(0, ordering: .relaxed)
        return false
    }
}

/// A server on 127.0.0.1:0 that writes `total` bytes to each client as fast as the socket
/// takes them, then closes.
final class FloodBackend: Sendable {
    let channel: any Channel
    let counter: FloodCounter
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel, counter: FloodCounter) {
        self.channel = channel
        self.counter = counter
    }

    static func start(total: Int, group: any EventLoopGroup) async throws -> FloodBackend {
        let counter = FloodCounter()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FloodWriter(total: total, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return FloodBackend(channel: channel, counter: counter)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Writes while the channel is writable; counts bytes once NIO wrote them to the socket.
final class FloodWriter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static let chunkSize = 64 * 1024
    private let total: Int
    private let counter: FloodCounter
    private var queued = 0
    /// The flood is the same 64 KiB block over and over (slices share its storage).
    static let block: ByteBuffer = {
        var block = ByteBuffer()
        for index in 0..<chunkSize { block.writeInteger(floodByte(at: index)) }
        return block
    }()

    static func chunk(at offset: Int, length: Int) -> ByteBuffer {
        precondition(offset % chunkSize == 0)
        return block.getSlice(at: 0, length: length)!
    }

    init(total: Int, counter: FloodCounter) {
        self.total = total
        self.counter = counter
    }

    func channelActive(context: ChannelHandlerContext) {
        pump(context: context)
        context.fireChannelActive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pump(context: context)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func pump(context: ChannelHandlerContext) {
        guard queued < total else { return }
        while context.channel.isWritable && queued < total {
            let length = min(Self.chunkSize, total - queued)
            let chunk = FloodWriter.chunk(at: queued, length: length)
            queued += length
            let promise = context.eventLoop.makePromise(of: Void.self)
            let counter = self.counter
            promise.futureResult.whenSuccess { counter.bytes.wrappingAdd(length, ordering: .relaxed) }
            if queued == total {
                promise.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
            context.write(NIOAny(chunk), promise: promise)
        }
        context.flush()
    }
}

/// Counts and checks what the client reads; notes the close.
final class ByteCounter: Sendable {
    let bytes = Atomic<Int>(0)
    let mismatches = Atomic<Int>(0)
    let closed = Atomic<Bool>(false)
}

final class CountingReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let counter: ByteCounter
    private var offset = 0

    init(counter: ByteCounter) {
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let count = buffer.readableBytes
        // Compare run by run against the block, at the stream's position in it.
        while buffer.readableBytes > 0 {
            let position = offset % FloodWriter.chunkSize
            let run = min(buffer.readableBytes, FloodWriter.chunkSize - position)
            let received = buffer.readSlice(length: run)!
            if received != FloodWriter.block.getSlice(at: position, length: run)! {
                counter.mismatches.wrappingAdd(1, ordering: .relaxed)
            }
            offset += run
        }
        counter.bytes.wrappingAdd(count, ordering: .relaxed)
    }

    func channelInactive(context: ChannelHandlerContext) {
        counter.closed.store(true, ordering: .relaxed)
        context.fireChannelInactive()
    }
}

/// This process's resident set size from `/proc/self/status` (`VmRSS`), in KiB.
func residentSetKiB() -> Int? {
    #if canImport(Glibc)
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if text.hasPrefix("VmRSS:") {
            return text.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
        }
    }
    return nil
    #else
    return nil
    #endif
}
