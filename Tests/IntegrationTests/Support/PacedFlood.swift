import NIOCore
import NIOPosix
import Synchronization

/// A one-way bulk transfer between a writer that sends as fast as its socket takes bytes and a
/// slow reader that reads only in bursts. Each burst is granted by the test (``grantBurst()``)
/// once the writer reports being blocked (its channel went unwritable) and the proxy in between
/// reports it paused reading (its flow-control stats): so the proxy is held at its high
/// watermarks over and over, with no sleeps, and the transfer still finishes at its speed.
///
/// The stream is 64 KiB chunks, each starting with its index, so a lost, repeated or reordered
/// chunk changes the digest both sides compute (SHA-256 of every byte).
final class PacedFlood: Sendable {
    static let chunkSize = 64 * 1024
    let total: Int
    let burstSize: Int

    private struct State {
        var readerChannel: (any Channel)?
        var writerBlocked = false
        var writerDone = false
        var blockedCount = 0
        var bursts = 0
        var granted = 0
        var readerIdle = true
        var written = 0
        var read = 0
        var writerDigest: String?
        var readerDigest: String?
        var readerEnded = false
    }

    private let state = Mutex(State())

    init(total: Int, burstSize: Int = 8 << 20) {
        self.total = total
        self.burstSize = burstSize
    }

    /// Bytes the writer handed to the kernel and bytes the reader got.
    var progress: (written: Int, read: Int) { state.withLock { ($0.written, $0.read) } }
    /// Times the writer reported being blocked, and read bursts the reader made.
    var pacing: (blocked: Int, bursts: Int) { state.withLock { ($0.blockedCount, $0.bursts) } }
    /// Both digests, once both sides are done.
    var digests: (writer: String?, reader: String?) { state.withLock { ($0.writerDigest, $0.readerDigest) } }
    var isFinished: Bool { state.withLock { $0.readerEnded && $0.writerDigest != nil } }

    /// The writer's handler (add to the sending channel).
    func makeWriter() -> PacedFloodWriter { PacedFloodWriter(flood: self) }

    /// The reader's handler (add to the receiving channel, which must have `autoRead` off).
    func makeReader() -> PacedFloodReader { PacedFloodReader(flood: self) }

    // MARK: - Writer side

    func writerBlocked(_ blocked: Bool) {
        state.withLock { state in
            guard state.writerBlocked != blocked else { return }
            state.writerBlocked = blocked
            if blocked { state.blockedCount += 1 }
        }
    }

    /// Whether the writer is blocked now.
    var isWriterBlocked: Bool { state.withLock { $0.writerBlocked } }
    /// Whether the writer has sent everything.
    var isWriterDone: Bool { state.withLock { $0.writerDone } }
    /// Whether the reader is waiting for a grant (not in a burst, not done).
    var isReaderIdle: Bool { state.withLock { $0.readerIdle && !$0.readerEnded && $0.readerChannel != nil } }

    /// Lets the reader read one more burst.
    func grantBurst() {
        let reader = state.withLock { state -> (any Channel)? in
            state.granted += 1
            state.readerIdle = false
            return state.readerChannel
        }
        reader?.pipeline.fireUserInboundEventTriggered(PacedFloodReader.Poke())
    }

    func wrote(_ count: Int) {
        state.withLock { $0.written += count }
    }

    func writerFinished(digest: String) {
        let reader = state.withLock { state -> (any Channel)? in
            state.writerDone = true
            state.writerDigest = digest
            return state.readerChannel
        }
        reader?.pipeline.fireUserInboundEventTriggered(PacedFloodReader.Poke())
    }

    // MARK: - Reader side

    func readerAttached(_ channel: any Channel) -> Bool {
        state.withLock { state in
            state.readerChannel = channel
            return state.writerDone || state.granted > state.bursts
        }
    }

    /// Takes a grant for a burst if there is one (or the writer is done); else the reader
    /// goes idle.
    func takeBurst() -> Bool {
        state.withLock { state in
            if state.writerDone || state.granted > state.bursts {
                state.bursts += 1
                state.readerIdle = false
                return true
            }
            state.readerIdle = true
            return false
        }
    }

    func readerGot(_ count: Int) {
        state.withLock { $0.read += count }
    }

    func readerEnded(digest: String) {
        state.withLock { state in
            state.readerEnded = true
            state.readerDigest = digest
        }
    }
}

/// Writes the flood while the channel is writable; half-closes when it is all out.
final class PacedFloodWriter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let flood: PacedFlood
    private let digest = StreamDigest()
    private var queued = 0
    private var index: UInt64 = 0
    private var finishing = false
    private static let block = TestClient.payload(size: PacedFlood.chunkSize, seed: 0xF100D)

    init(flood: PacedFlood) {
        self.flood = flood
    }

    func channelActive(context: ChannelHandlerContext) {
        pump(context: context)
        context.fireChannelActive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        flood.writerBlocked(!context.channel.isWritable)
        pump(context: context)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func pump(context: ChannelHandlerContext) {
        while context.channel.isWritable && queued < flood.total {
            let length = min(PacedFlood.chunkSize, flood.total - queued)
            var chunk = context.channel.allocator.buffer(capacity: length)
            chunk.writeInteger(index)
            chunk.writeImmutableBuffer(Self.block.getSlice(at: 0, length: length - 8)!)
            index += 1
            queued += length
            digest.update(chunk)
            let promise = context.eventLoop.makePromise(of: Void.self)
            let flood = self.flood
            promise.futureResult.whenSuccess { flood.wrote(length) }
            context.write(NIOAny(chunk), promise: promise)
        }
        context.flush()
        if queued == flood.total && !finishing {
            finishing = true
            let flood = self.flood
            let hex = digest.hex
            context.close(mode: .output).assumeIsolated().whenComplete { _ in
                flood.writerFinished(digest: hex)
            }
        }
    }
}

/// Reads in bursts of `burstSize`, each one granted by the test (or freely once the writer is
/// done).
final class PacedFloodReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    struct Poke: Sendable {}

    private let flood: PacedFlood
    private let digest = StreamDigest()
    private var burstLeft = 0
    private var ended = false

    init(flood: PacedFlood) {
        self.flood = flood
    }

    func channelActive(context: ChannelHandlerContext) {
        if flood.readerAttached(context.channel) { startBurst(context: context) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Poke {
            if burstLeft == 0 { startBurst(context: context) }
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            end(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        digest.update(buffer)
        burstLeft = max(0, burstLeft - buffer.readableBytes)
        flood.readerGot(buffer.readableBytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if burstLeft > 0 {
            context.read()
        } else {
            startBurst(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func startBurst(context: ChannelHandlerContext) {
        guard !ended, flood.takeBurst() else { return }
        burstLeft = flood.burstSize
        context.read()
    }

    private func end(context: ChannelHandlerContext) {
        guard !ended else { return }
        ended = true
        flood.readerEnded(digest: digest.hex)
        context.close(promise: nil)
    }
}
