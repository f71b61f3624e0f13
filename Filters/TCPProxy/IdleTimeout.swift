import NIOCore
import Relay

/// An idle timer that costs nothing per byte: activity only records the time, and the timer,
/// when it fires, re-arms itself for the remainder if there was activity meanwhile.
///
/// The armed timer holds this object strongly (a closure capturing one object needs no context
/// allocation; an `unowned` capture would need one per timer), so the owner cancels it when the
/// connection is done (``cancel()``); the owner itself is held `unowned`.
///
/// - Note: Confined to its connection's event loop.
final class IdleTimeout {
    /// Told when the connection was idle for the whole timeout.
    protocol Owner: AnyObject {
        func idleTimedOut()
    }

    private let dispatcher: Dispatcher
    private let timeout: TimeAmount
    private unowned let owner: any Owner
    private var lastActivity: NIODeadline
    private var timer: DispatcherTimer?

    init(dispatcher: Dispatcher, timeout: TimeAmount, owner: any Owner) {
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.owner = owner
        self.lastActivity = dispatcher.now
        arm(after: timeout)
    }

    /// Bytes moved: the connection is not idle.
    @inline(__always)
    func touch() {
        lastActivity = dispatcher.now
    }

    /// Stops the timer; the owner calls this when the connection is done (or goes away).
    func cancel() {
        timer?.cancel()
        timer = nil
    }

    private func arm(after delay: TimeAmount) {
        timer = dispatcher.schedule(after: delay) { [self] in fired() }
    }

    private func fired() {
        timer = nil
        let idleFor = dispatcher.now - lastActivity
        if idleFor >= timeout {
            owner.idleTimedOut()
        } else {
            arm(after: timeout - idleFor)
        }
    }
}

@available(*, unavailable)
extension IdleTimeout: Sendable {}
