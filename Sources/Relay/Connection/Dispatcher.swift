import NIOCore

/// The event loop a connection lives on, as filters see it: time, timers and deferred work.
///
/// Closures passed here run on the same loop as the caller and need not be `Sendable`. In the
/// test kit the loop is an `EmbeddedEventLoop`, so timers fire when the test advances time.
public struct Dispatcher {
    /// The underlying event loop.
    public let eventLoop: any EventLoop
    /// The same loop when it offers timers without a promise each (Relay's native loop).
    private let localTimers: (any LoopLocalTimers)?

    /// Wraps an event loop. Call only on that loop.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.localTimers = eventLoop as? any LoopLocalTimers
    }

    /// Wraps a loop whose timer support the caller already knows (no dynamic cast per
    /// connection). Call only on that loop.
    package init(eventLoop: any EventLoop, localTimers: (any LoopLocalTimers)?) {
        self.eventLoop = eventLoop
        self.localTimers = localTimers
    }

    /// The loop's notion of now (virtual in tests).
    public var now: NIODeadline { eventLoop.now }

    /// Runs `body` once after `delay`.
    @discardableResult
    public func schedule(after delay: TimeAmount, _ body: @escaping () -> Void) -> DispatcherTimer {
        if let localTimers {
            return DispatcherTimer(handle: .local(localTimers, localTimers.scheduleLocalTimer(in: delay, body)))
        }
        let task = eventLoop.assumeIsolated().scheduleTask(in: delay, body)
        return DispatcherTimer(handle: .scheduled(task))
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
    enum Handle {
        case scheduled(Scheduled<Void>)
        case local(any LoopLocalTimers, AnyObject)
    }

    private let handle: Handle

    init(handle: Handle) {
        self.handle = handle
    }

    /// Cancels the timer if it has not fired yet.
    public func cancel() {
        switch handle {
        case .scheduled(let task):
            task.cancel()
        case .local(let timers, let timer):
            timers.cancelLocalTimer(timer)
        }
    }
}

/// An event loop that runs loop-confined timers without NIO's promise, future and `Sendable`
/// closures per timer; ``Dispatcher`` uses it when its loop is one (Relay's native loop is,
/// through `RelayServer`). Both calls happen on the loop.
package protocol LoopLocalTimers: AnyObject {
    /// Runs `body` on the loop after `delay` (never, if the loop shuts down first); returns
    /// the timer for ``cancelLocalTimer(_:)``.
    func scheduleLocalTimer(in delay: TimeAmount, _ body: @escaping () -> Void) -> AnyObject
    /// Cancels a timer; nothing happens if it already ran or was cancelled.
    func cancelLocalTimer(_ timer: AnyObject)
}

@available(*, unavailable)
extension DispatcherTimer: Sendable {}
