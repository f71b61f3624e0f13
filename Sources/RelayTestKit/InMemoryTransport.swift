import NIOCore
import Relay

/// A `ConnectionTransport` with no socket: it records what the connection wrote and how
/// it closed, for tests.
///
/// - Note: Confined to the test's event loop.
public final class InMemoryTransport: ConnectionTransport {
    /// Everything written so far, in order.
    public private(set) var written = ByteBuffer()
    /// Whether the write side was shut down (FIN sent).
    public private(set) var didShutdownWrite = false
    /// How the transport was closed, if it was.
    public private(set) var closeMode: TransportCloseMode?
    /// Whether the connection currently wants to read.
    public private(set) var isReadEnabled = true
    /// Every `setReadEnabled` call, in order.
    public private(set) var readEnabledHistory: [Bool] = []
    /// The connection on top, told when a close finishes. Set it after making the connection.
    public weak var connection: NetworkConnection?
    let eventLoop: any EventLoop

    /// A transport whose closes finish on `eventLoop`'s next turn, as a real socket's would.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func write(_ data: ByteBuffer) {
        var data = data
        written.writeBuffer(&data)
    }

    public func shutdownWrite() {
        didShutdownWrite = true
    }

    public func close(_ mode: TransportCloseMode) {
        guard closeMode == nil else { return }
        closeMode = mode
        // The socket "finishes" closing on the next loop turn, as a real one would.
        eventLoop.assumeIsolated().execute { [weak self] in
            self?.connection?.transportClosed()
        }
    }

    public func setReadEnabled(_ enabled: Bool) {
        isReadEnabled = enabled
        readEnabledHistory.append(enabled)
    }

    /// Removes and returns what was written so far.
    public func takeWritten() -> ByteBuffer {
        defer { written.clear() }
        return written
    }
}

@available(*, unavailable)
extension InMemoryTransport: Sendable {}
