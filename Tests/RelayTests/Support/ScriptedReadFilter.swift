import NIOCore
import Relay

/// A read filter whose answers are scripted per test. It logs every call to a shared
/// ``CallLog`` as `<name>.<call>` and, by default, continues without touching the buffer.
final class ScriptedReadFilter: ReadFilter {
    let name: String
    let log: CallLog
    private(set) var callbacks: (any ReadFilterCallbacks)?
    private(set) var initializeCalls = 0
    private(set) var newConnectionCalls = 0
    private(set) var aboveHighWatermarkCalls = 0
    private(set) var belowLowWatermarkCalls = 0
    /// Every `onData` call: the buffer's contents as seen on entry, and `endStream`.
    private(set) var dataCalls: [(data: String, endStream: Bool)] = []

    /// What `onNewConnection` does and returns.
    var onNewConnectionBody: () -> FilterStatus = { .continue }
    /// What `onData` does to the buffer and returns.
    var onDataBody: (inout ByteBuffer, Bool) -> FilterStatus = { _, _ in .continue }

    init(_ name: String, log: CallLog) {
        self.name = name
        self.log = log
    }

    func initialize(callbacks: any ReadFilterCallbacks) {
        initializeCalls += 1
        self.callbacks = callbacks
        log.append("\(name).initialize")
    }

    func onNewConnection() -> FilterStatus {
        newConnectionCalls += 1
        log.append("\(name).onNewConnection")
        return onNewConnectionBody()
    }

    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        let text = String(buffer: data)
        dataCalls.append((text, endStream))
        log.append("\(name).onData(\(text),\(endStream))")
        return onDataBody(&data, endStream)
    }

    func onUpstreamReady(host: HostDescription) {
        log.append("\(name).onUpstreamReady(\(host.clusterName))")
    }

    func onWriteBufferHighWatermark() {
        aboveHighWatermarkCalls += 1
        log.append("\(name).above")
    }

    func onWriteBufferLowWatermark() {
        belowLowWatermarkCalls += 1
        log.append("\(name).below")
    }

    /// Makes `onData` drain everything and return `status`.
    func drainAll(returning status: FilterStatus = .continue) {
        onDataBody = { data, _ in
            data.moveReaderIndex(forwardBy: data.readableBytes)
            return status
        }
    }
}

@available(*, unavailable)
extension ScriptedReadFilter: Sendable {}
