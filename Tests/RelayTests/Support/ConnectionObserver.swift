import Relay

/// A ``ConnectionCallbacks`` that records events and watermark calls as they happen
/// (synchronously, unlike the harness's `events`, which is refreshed by `drain()`).
final class ConnectionObserver: ConnectionCallbacks {
    let name: String
    let log: CallLog?
    private(set) var events: [ConnectionEvent] = []
    private(set) var aboveHighWatermarkCalls = 0
    private(set) var belowLowWatermarkCalls = 0
    /// Runs inside `onEvent`, after recording.
    var onEventBody: (ConnectionEvent) -> Void = { _ in }

    init(_ name: String = "observer", log: CallLog? = nil) {
        self.name = name
        self.log = log
    }

    func onEvent(_ event: ConnectionEvent) {
        events.append(event)
        log?.append("\(name).onEvent(\(event))")
        onEventBody(event)
    }

    func onAboveWriteBufferHighWatermark() {
        aboveHighWatermarkCalls += 1
        log?.append("\(name).above")
    }

    func onBelowWriteBufferLowWatermark() {
        belowLowWatermarkCalls += 1
        log?.append("\(name).below")
    }
}

@available(*, unavailable)
extension ConnectionObserver: Sendable {}
