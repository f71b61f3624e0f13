import NIOCore
import Relay

/// A write filter whose answers are scripted per test; logs `<name>.onWrite(<data>,<end>)`.
/// By default it appends its name to the outgoing bytes and continues, so the order in which
/// write filters ran is visible in what reaches the transport.
final class ScriptedWriteFilter: WriteFilter {
    let name: String
    let log: CallLog
    private(set) var callbacks: (any WriteFilterCallbacks)?
    private(set) var initializeCalls = 0

    /// What `onWrite` does to the buffer and returns.
    var onWriteBody: (inout ByteBuffer, Bool) -> FilterStatus

    init(_ name: String, log: CallLog) {
        self.name = name
        self.log = log
        self.onWriteBody = { data, _ in
            data.writeString(name)
            return .continue
        }
    }

    func initialize(writeCallbacks: any WriteFilterCallbacks) {
        initializeCalls += 1
        callbacks = writeCallbacks
        log.append("\(name).initializeWrite")
    }

    func onWrite(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        log.append("\(name).onWrite(\(String(buffer: data)),\(endStream))")
        return onWriteBody(&data, endStream)
    }
}

@available(*, unavailable)
extension ScriptedWriteFilter: Sendable {}
