import NIOCore

/// The event loop a connection lives on, as filters see it: time, timers and deferred work.
///
/// Closures passed here run on the same loop as the caller and need not be `Sendable`. In the
/// test kit the loop is an `EmbeddedEventLoop`, so timers fire when the test advances time.
public struct Dispatcher {
    /// The underlying event loop.
    public let eventLoop: any EventLoop

    /// Wraps an event loop. Call only on that loop.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// The loop's notion of now (virtual in tests).
    public var now: NIODeadline { eventLoop.now }

    /// Runs `body` once after `delay`.
    @discardableResult
    public func schedule(after delay: TimeAmount, _ body: @escaping () -> Void) -> DispatcherTimer {
        let task = eventLoop.assumeIsolated().scheduleTask(in: delay, body)
        return DispatcherTimer(task: task)
    }

    /// Runs `body` on the loop after the current work finishes.
    public func post(_ body: @escaping () -> Void) {
        eventLoop.assumeIsolated().execute(body)
    }
}

@available(*, unavailable)
extension Dispatcher: Sendable {}

/// A timer created by ``Dispatcher/schedule(after:_:)``.
public struct DispatcherTimer {
    private let task: Scheduled<Void>

    init(task: Scheduled<Void>) {
        self.task = task
    }

    /// Cancels the timer if it has not fired yet.
    public func cancel() {
        task.cancel()
    }
}

@available(*, unavailable)
extension DispatcherTimer: Sendable {}
