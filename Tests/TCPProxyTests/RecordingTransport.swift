import NIOCore
import Relay

/// The fake socket under a test-made upstream ``NetworkConnection``: records what the proxy
/// wrote upstream, FIN, close mode and read enabling; finishes a close on the next loop turn
/// as a real socket would.
final class RecordingTransport: ConnectionTransport {
    private(set) var written = ByteBuffer()
    private(set) var didShutdownWrite = false
    private(set) var closeMode: TransportCloseMode?
    private(set) var isReadEnabled = true
    private(set) var readEnabledHistory: [Bool] = []
    weak var connection: NetworkConnection?
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func write(_ data: ByteBuffer) {
        var data = data
        written.writeBuffer(&data)
    }

    func shutdownWrite() {
        didShutdownWrite = true
    }

    func close(_ mode: TransportCloseMode) {
        guard closeMode == nil else { return }
        closeMode = mode
        eventLoop.assumeIsolated().execute { [weak self] in
            self?.connection?.transportClosed()
        }
    }

    func setReadEnabled(_ enabled: Bool) {
        isReadEnabled = enabled
        readEnabledHistory.append(enabled)
    }
}
