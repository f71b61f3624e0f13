import NIOCore
import Relay

/// An idle timer that costs nothing per byte: activity only records the time, and the timer,
/// when it fires, re-arms itself for the remainder if there was activity meanwhile.
///
/// - Note: Confined to its connection's event loop.
final class IdleTimeout {
    private let dispatcher: Dispatcher
    private let timeout: TimeAmount
    private let onTimeout: () -> Void
    private var lastActivity: NIODeadline
    private var timer: DispatcherTimer?

    init(dispatcher: Dispatcher, timeout: TimeAmount, onTimeout: @escaping () -> Void) {
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.lastActivity = dispatcher.now
        arm(after: timeout)
    }

    /// Bytes moved: the connection is not idle.
    @inline(__always)
    func touch() {
        lastActivity = dispatcher.now
    }

    func cancel() {
        timer?.cancel()
        timer = nil
    }

    /// The timer refers to this object `unowned` (no side table for a weak reference), so it
    /// must not fire after it.
    deinit {
        timer?.cancel()
    }

    private func arm(after delay: TimeAmount) {
        timer = dispatcher.schedule(after: delay) { [unowned self] in self.fired() }
    }

    private func fired() {
        timer = nil
        let idleFor = dispatcher.now - lastActivity
        if idleFor >= timeout {
            onTimeout()
        } else {
            arm(after: timeout - idleFor)
        }
    }
}

@available(*, unavailable)
extension IdleTimeout: Sendable {}
