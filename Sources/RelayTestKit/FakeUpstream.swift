import NIOCore
import NIOEmbedded
import Relay

/// The upstream end of a connection a terminal filter (tcp_proxy) made through a
/// ``FakeCluster``: a real `NetworkConnection` on the harness's loop over an
/// ``InMemoryTransport``, so a test sees exactly what the proxy sent upstream and plays the
/// upstream server.
///
/// Made by ``FilterHarness/completeUpstreamConnect(_:bufferLimit:)``.
///
/// - Note: Confined to the test's thread.
public final class FakeUpstream {
    /// The upstream connection the terminal filter writes to.
    public let connection: NetworkConnection
    /// The fake socket under it.
    public let transport: InMemoryTransport
    /// The upstream connection's events in order.
    public var events: [ConnectionEvent] { recorder.events }
    private let loop: EmbeddedEventLoop
    private let recorder = EventRecorder()

    init(cluster: FakeCluster, loop: EmbeddedEventLoop, bufferLimit: Int) {
        self.loop = loop
        let transport = InMemoryTransport(eventLoop: loop)
        self.transport = transport
        let connection = NetworkConnection(
            id: NetworkConnection.nextID(),
            transport: transport,
            dispatcher: Dispatcher(eventLoop: loop),
            streamInfo: StreamInfo(startTime: loop.now),
            isUpstream: true,
            bufferLimit: bufferLimit
        )
        transport.connection = connection
        connection.remoteCluster = cluster.info
        connection.remoteHost = cluster.host
        connection.remoteAddress = cluster.host.address
        connection.addConnectionCallbacks(recorder)
        self.connection = connection
    }

    func connected() {
        connection.transportConnected()
        sync()
    }

    private func sync() {
        loop.run()
    }

    // MARK: - What the proxy sent

    /// Every byte the proxy wrote upstream.
    public var received: ByteBuffer { transport.written }

    /// ``received`` as UTF-8.
    public var receivedString: String { String(buffer: transport.written) }

    /// Whether the proxy half-closed toward the upstream (FIN).
    public var receivedEndOfStream: Bool { transport.didShutdownWrite }

    // MARK: - Playing the upstream server

    /// The upstream server sends `bytes`.
    public func send(_ bytes: ByteBuffer) {
        connection.transportRead(bytes)
        sync()
    }

    /// The upstream server sends `text` (UTF-8).
    public func send(_ text: String) {
        send(ByteBuffer(string: text))
    }

    /// The upstream server half-closes (FIN).
    public func sendEndOfStream() {
        connection.transportReadEOF()
        sync()
    }

    /// The upstream socket is gone (peer close or reset).
    public func close() {
        connection.transportClosed()
        sync()
    }

    /// The upstream socket's pending writes crossed the high watermark (`true`) or drained.
    public func setWriteBufferAboveHighWatermark(_ above: Bool) {
        connection.transportWritabilityChanged(isWritable: !above)
        sync()
    }
}

@available(*, unavailable)
extension FakeUpstream: Sendable {}
