import NIOCore
import NIOEmbedded
import Relay

/// Drives filters on an in-memory connection: bytes in, bytes out, FIN, RST, watermark
/// events and virtual time, with no sockets. Relay's own filter-manager tests use it.
///
/// ```swift
/// let harness = FilterHarness(readFilter: GreetingGate(config: .init(greeting: "HELLO")))
/// harness.receive("HELLO\r\nrest")
/// #expect(harness.forwardedString == "HELLO\r\nrest")
/// ```
///
/// By default a recording sink is added as the last read filter: ``forwarded`` holds every
/// byte that passed all the filters, ``forwardedEndStream`` whether end of stream did.
///
/// To test a filter in front of the real tcp_proxy (import `TCPProxy`), pass
/// `recordForwarded: false`, install your filter then `TCPProxyFilter.Factory().makeFilters(…)`
/// prepared against `FactoryContext/testing(clusters:stats:localInfo:listenerName:)`, and
/// answer its connect with ``completeUpstreamConnect(_:bufferLimit:)``: the returned
/// ``FakeUpstream`` shows what reached the upstream. The harness initializes the filters and
/// then delivers bytes, in the order the server does.
///
/// - Note: Confined to the test's thread (it runs an `EmbeddedEventLoop`).
public final class FilterHarness {
    /// The loop; time only moves with ``advanceTime(by:)``.
    public let eventLoop: EmbeddedEventLoop
    /// The connection the filters are on.
    public let connection: NetworkConnection
    /// The fake socket under the connection.
    public let transport: InMemoryTransport
    /// Connection events in the order they were raised.
    public private(set) var events: [ConnectionEvent] = []
    private let sink: RecordingSink?
    private let recorder: EventRecorder

    /// Builds a connection and lets `install` add filters, then initializes the read filters.
    ///
    /// - Parameters:
    ///   - bufferLimit: the connection's watermark limit.
    ///   - halfClose: whether half-close is enabled before the filters are added.
    ///   - recordForwarded: add the recording sink as the last read filter.
    ///   - tls: TLS facts to expose as if a handshake had happened.
    ///   - isUpstream: whether the connection plays an upstream connection.
    ///   - install: adds filters, as a factory would. The builder's `connection` is there to
    ///     preset filter state (as a listener filter would) before the filters run.
    public init(
        bufferLimit: Int = 1 << 20,
        halfClose: Bool = false,
        recordForwarded: Bool = true,
        tls: TLSConnectionInfo? = nil,
        isUpstream: Bool = false,
        install: (inout FilterChainBuilder) -> Void
    ) {
        let loop = EmbeddedEventLoop()
        self.eventLoop = loop
        let transport = InMemoryTransport(eventLoop: loop)
        self.transport = transport
        let id = NetworkConnection.nextID()
        let connection = NetworkConnection(
            id: id,
            transport: transport,
            dispatcher: Dispatcher(eventLoop: loop),
            streamInfo: StreamInfo(startTime: loop.now),
            isUpstream: isUpstream,
            bufferLimit: bufferLimit
        )
        transport.connection = connection
        connection.localAddress = try? SocketAddress(ipAddress: "127.0.0.1", port: 10000)
        connection.remoteAddress = try? SocketAddress(ipAddress: "127.0.0.1", port: 40000)
        connection.isHalfCloseEnabled = halfClose
        if let tls { connection.setTLS(tls) }
        self.connection = connection
        self.recorder = EventRecorder()
        connection.addConnectionCallbacks(recorder)
        var builder = FilterChainBuilder(connection: connection)
        install(&builder)
        if recordForwarded {
            let sink = RecordingSink()
            connection.addReadFilter(sink)
            self.sink = sink
        } else {
            self.sink = nil
        }
        connection.initializeReadFilters()
        connection.transportConnected(tls: tls)
        drain()
    }

    /// A harness around one read filter.
    public convenience init(readFilter: any ReadFilter, bufferLimit: Int = 1 << 20, halfClose: Bool = false) {
        self.init(bufferLimit: bufferLimit, halfClose: halfClose) { $0.addReadFilter(readFilter) }
    }

    /// A harness around one filter on both paths.
    public convenience init(filter: any NetworkFilter, bufferLimit: Int = 1 << 20, halfClose: Bool = false) {
        self.init(bufferLimit: bufferLimit, halfClose: halfClose) { $0.addFilter(filter) }
    }

    // MARK: - Driving

    /// The peer sent `bytes`.
    public func receive(_ bytes: ByteBuffer) {
        connection.transportRead(bytes)
        drain()
    }

    /// The peer sent `text` (UTF-8).
    public func receive(_ text: String) {
        receive(ByteBuffer(string: text))
    }

    /// The peer sent `bytes`.
    public func receive(_ bytes: [UInt8]) {
        receive(ByteBuffer(bytes: bytes))
    }

    /// The peer half-closed (FIN).
    public func receiveEndOfStream() {
        connection.transportReadEOF()
        drain()
    }

    /// The peer reset the connection (RST).
    public func receiveReset() {
        connection.transportClosed()
        drain()
    }

    /// The application above the filters writes `bytes` to the peer.
    public func write(_ bytes: ByteBuffer, endStream: Bool = false) {
        connection.write(bytes, endStream: endStream)
        drain()
    }

    /// The application above the filters writes `text` to the peer.
    public func write(_ text: String, endStream: Bool = false) {
        write(ByteBuffer(string: text), endStream: endStream)
    }

    // MARK: - Upstream (with a terminal filter and fake clusters)

    /// The pending connect attempt of `cluster` succeeds: a fresh upstream connection on this
    /// harness's loop is handed to the terminal filter (tcp_proxy), exactly as the server's
    /// cluster manager would, and the loop runs. Returns the upstream end to inspect and drive.
    ///
    /// - Throws: ``FilterHarnessError/noPendingConnect(cluster:)`` when nothing is connecting
    ///   to `cluster` (the terminal filter never got that far).
    @discardableResult
    public func completeUpstreamConnect(_ cluster: FakeCluster, bufferLimit: Int = 1 << 20) throws -> FakeUpstream {
        guard let attempt = cluster.pendingAttempt else {
            throw FilterHarnessError.noPendingConnect(cluster: cluster.info.name)
        }
        attempt.isAnswered = true
        let upstream = FakeUpstream(cluster: cluster, loop: eventLoop, bufferLimit: bufferLimit)
        upstream.connected()
        attempt.callbacks.upstreamReady(upstream.connection, host: cluster.host)
        drain()
        return upstream
    }

    /// The pending connect attempt of `cluster` fails with `reason`.
    ///
    /// - Throws: ``FilterHarnessError/noPendingConnect(cluster:)``.
    public func failUpstreamConnect(_ cluster: FakeCluster, reason: UpstreamFailureReason = .connectFailure) throws {
        guard let attempt = cluster.pendingAttempt else {
            throw FilterHarnessError.noPendingConnect(cluster: cluster.info.name)
        }
        attempt.isAnswered = true
        attempt.callbacks.upstreamFailed(reason, host: cluster.host)
        drain()
    }

    /// The socket's pending writes crossed the high watermark (`true`) or drained (`false`).
    public func setWriteBufferAboveHighWatermark(_ above: Bool) {
        connection.transportWritabilityChanged(isWritable: !above)
        drain()
    }

    /// Moves virtual time, firing due timers.
    public func advanceTime(by amount: TimeAmount) {
        eventLoop.advanceTime(by: amount)
        drain()
    }

    /// Runs work queued on the loop.
    public func drain() {
        eventLoop.run()
        events = recorder.events
    }

    // MARK: - Observing

    /// Bytes that passed every filter.
    public var forwarded: ByteBuffer { sink?.received ?? ByteBuffer() }

    /// ``forwarded`` as UTF-8.
    public var forwardedString: String { String(buffer: forwarded) }

    /// Whether end of stream passed every filter.
    public var forwardedEndStream: Bool { sink?.sawEndStream ?? false }

    /// How many times the sink's `onData` ran.
    public var forwardedCalls: Int { sink?.calls ?? 0 }

    /// Bytes written toward the peer.
    public var written: ByteBuffer { transport.written }

    /// ``written`` as UTF-8.
    public var writtenString: String { String(buffer: transport.written) }
}

@available(*, unavailable)
extension FilterHarness: Sendable {}

/// The harness's last read filter: records and drains what reaches the end of the chain.
final class RecordingSink: ReadFilter {
    var received = ByteBuffer()
    var sawEndStream = false
    var calls = 0

    func initialize(callbacks: any ReadFilterCallbacks) {}

    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        calls += 1
        received.writeBuffer(&data)
        if endStream { sawEndStream = true }
        return .stopIteration
    }
}

final class EventRecorder: ConnectionCallbacks {
    var events: [ConnectionEvent] = []
    func onEvent(_ event: ConnectionEvent) { events.append(event) }
}
