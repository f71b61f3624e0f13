#if os(Linux)
import CRelayIO
import Dispatch
import Glibc
import NIOCore
import NIOConcurrencyHelpers
import Synchronization

/// An event loop on its own thread over one edge-triggered epoll instance: Relay's sockets
/// (`StreamSocket`, `ListeningSocket`) register once and never change their interest, so a
/// proxied connection costs one `epoll_ctl` per socket and none to close.
///
/// It is a NIO `EventLoop`: futures, promises, `scheduleTask` and `NIOLoopBound` work on it as on
/// NIO's own loops, so filters, timers and the TLS transport run unchanged. It does not run NIO
/// `Channel`s (those need NIOPosix's loops).
///
/// Work queued from the loop's own thread goes to a loop-local queue without a lock; work from
/// other threads goes through a mutex-protected inbox and one `eventfd` wake-up per batch.
///
/// - Note: Everything but ``execute(_:)``, ``scheduleTask(deadline:_:)`` and the other `EventLoop`
///   entry points is confined to the loop's thread.
public final class NativeEventLoop: EventLoop, @unchecked Sendable {
    private struct Inbox {
        var tasks: [@Sendable () -> Void] = []
        var wakePending = false
        var stopping = false
        var stopped = false
        var shutdownWaiters: [(DispatchQueue, @Sendable ((any Error)?) -> Void)] = []
    }

    private let epollDescriptor: CInt
    private let wakeDescriptor: CInt
    /// A pthread mutex (NIO's lock), not `Synchronization.Mutex`: ThreadSanitizer cannot see the
    /// hand-off of Linux's priority-inheritance futex and would report every contended access.
    private let inbox = NIOLockedValueBox(Inbox())
    private let threadID = Atomic<UInt>(0)
    private let name: String

    // Loop-local state (only the loop thread touches it).
    private var localTasks: [LocalTask] = []
    private var runningTasks: [LocalTask] = []
    private var timers = TimerHeap()
    private var registrations: [Registration?] = []
    private var nextGeneration: UInt32 = 1
    private let events: UnsafeMutablePointer<epoll_event>
    private static let eventCapacity: CInt = 256
    private static let wakeToken: UInt64 = .max
    /// The receive buffer the loop's sockets share (see ``takeReceiveBuffer(capacity:)``).
    private var spareReceiveBuffer: ByteBuffer?

    /// Work queued on the loop's own thread: a closure, or a handler's deferred work (no
    /// closure context to allocate for the common "read again on the next turn").
    private enum LocalTask {
        case closure(() -> Void)
        case handler(any IOEventHandler)

        func run() {
            switch self {
            case .closure(let body): body()
            case .handler(let handler): handler.runDeferredWork()
            }
        }
    }

    private struct Registration {
        let handler: any IOEventHandler
        let generation: UInt32
    }

    /// Creates the loop and starts its thread.
    init(name: String) throws {
        let epoll = epoll_create1(CInt(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw SocketError(operation: "epoll_create1", errno: errno) }
        let wake = eventfd(0, CInt(EFD_CLOEXEC | EFD_NONBLOCK))
        guard wake >= 0 else {
            let code = errno
            Glibc.close(epoll)
            throw SocketError(operation: "eventfd", errno: code)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0 else {
            let code = errno
            Glibc.close(wake)
            Glibc.close(epoll)
            throw SocketError(operation: "epoll_ctl", errno: code)
        }
        self.epollDescriptor = epoll
        self.wakeDescriptor = wake
        self.name = name
        self.events = .allocate(capacity: Int(Self.eventCapacity))
        localTasks.reserveCapacity(64)
        runningTasks.reserveCapacity(64)
        try startThread()
    }

    deinit {
        events.deallocate()
    }

    // MARK: - Thread

    private final class ThreadStart {
        let loop: NativeEventLoop
        init(loop: NativeEventLoop) { self.loop = loop }
    }

    private func startThread() throws {
        var thread = pthread_t()
        let start = Unmanaged.passRetained(ThreadStart(loop: self)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue()
            start.loop.run()
            return nil
        }, start)
        guard result == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(start).release()
            throw SocketError(operation: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        crelayio_set_thread_name(String(name.prefix(15)))
        while true {
            runTasks()
            runExpiredTimers()
            if inbox.withLockedValue({ $0.stopping && $0.tasks.isEmpty }) && localTasks.isEmpty { break }
            let timeout = pollTimeout()
            let count = epoll_wait(epollDescriptor, events, Self.eventCapacity, timeout)
            if count < 0 {
                if errno == EINTR { continue }
                fatalError("epoll_wait failed: errno \(errno)")
            }
            for index in 0..<Int(count) {
                dispatch(events[index])
            }
        }
        finishShutdown()
    }

    private func pollTimeout() -> CInt {
        if !localTasks.isEmpty { return 0 }
        guard let next = timers.nextDeadline else { return -1 }
        let now = NIODeadline.now().uptimeNanoseconds
        if next <= now { return 0 }
        let milliseconds = (next - now + 999_999) / 1_000_000
        return CInt(clamping: milliseconds)
    }

    private func dispatch(_ event: epoll_event) {
        let token = event.data.u64
        if token == Self.wakeToken {
            var value: UInt64 = 0
            _ = read(wakeDescriptor, &value, MemoryLayout<UInt64>.size)
            return
        }
        let descriptor = Int(UInt32(truncatingIfNeeded: token))
        let generation = UInt32(truncatingIfNeeded: token >> 32)
        guard descriptor < registrations.count, let registration = registrations[descriptor],
            registration.generation == generation
        else { return }  // an event for a descriptor closed earlier in this batch
        registration.handler.handleIOEvents(event.events)
    }

    private func runTasks() {
        let remote = inbox.withLockedValue { inbox -> [@Sendable () -> Void] in
            let tasks = inbox.tasks
            inbox.tasks = []
            inbox.wakePending = false
            return tasks
        }
        for task in remote { task() }
        // Tasks queued while running run in this pass too, up to a bound (then I/O gets a turn).
        var rounds = 0
        while !localTasks.isEmpty && rounds < 64 {
            swap(&localTasks, &runningTasks)
            for task in runningTasks { task.run() }
            runningTasks.removeAll(keepingCapacity: true)
            rounds += 1
        }
    }

    private func runExpiredTimers() {
        let now = NIODeadline.now().uptimeNanoseconds
        while let task = timers.popExpired(now: now) {
            task.run(fired: true)
        }
    }

    private func finishShutdown() {
        Glibc.close(wakeDescriptor)
        Glibc.close(epollDescriptor)
        registrations.removeAll()
        // As NIO's loops: a scheduled task that never ran fails with `shutdown`.
        for task in timers.removeAll() { task.run(fired: false) }
        let waiters = inbox.withLockedValue { inbox in
            inbox.stopped = true
            let waiters = inbox.shutdownWaiters
            inbox.shutdownWaiters = []
            return waiters
        }
        for (queue, callback) in waiters {
            queue.async { callback(nil) }
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    // MARK: - I/O registration (loop thread only)

    /// Registers `descriptor` for edge-triggered `events`; the handler is held until
    /// ``deregister(_:)``.
    package func register(_ descriptor: CInt, events: UInt32, handler: any IOEventHandler) throws {
        assertInEventLoop()
        let index = Int(descriptor)
        if index >= registrations.count {
            registrations.append(contentsOf: repeatElement(nil, count: max(index + 1 - registrations.count, 64)))
        }
        let generation = nextGeneration
        nextGeneration = nextGeneration == .max ? 1 : nextGeneration + 1
        var event = epoll_event()
        event.events = events | EPOLLET.rawValue
        event.data.u64 = UInt64(UInt32(bitPattern: descriptor)) | (UInt64(generation) << 32)
        guard epoll_ctl(epollDescriptor, EPOLL_CTL_ADD, descriptor, &event) == 0 else {
            throw SocketError(operation: "epoll_ctl", errno: errno)
        }
        registrations[index] = Registration(handler: handler, generation: generation)
    }

    /// Forgets `descriptor` before it is closed. Closing the descriptor removes it from epoll,
    /// so this makes no system call; events already fetched for it are dropped.
    package func deregister(_ descriptor: CInt) {
        let index = Int(descriptor)
        if index < registrations.count { registrations[index] = nil }
    }

    /// Runs `task` on the loop after the current work (loop thread only; no lock, no wake-up).
    package func executeOnLoop(_ task: @escaping () -> Void) {
        localTasks.append(.closure(task))
    }

    /// Calls `handler.runDeferredWork()` on the loop after the current work, in order with
    /// the closures queued here (loop thread only).
    package func executeOnLoop(_ handler: any IOEventHandler) {
        localTasks.append(.handler(handler))
    }

    // MARK: - Loop-local timers (loop thread only)

    /// Runs `body` on the loop after `delay`, without the promise, future and `Sendable`
    /// closures a NIO `Scheduled` carries: one heap entry, cancelled with
    /// ``cancelLocalTimer(_:)``. If the loop shuts down first, `body` never runs.
    package func scheduleLocalTimer(in delay: TimeAmount, _ body: @escaping () -> Void) -> AnyObject {
        assertInEventLoop()
        let deadline = NIODeadline.now().uptimeNanoseconds &+ UInt64(max(delay.nanoseconds, 0))
        let timer = ScheduledTimer(deadline: deadline, task: .plain(body))
        timers.insert(timer)
        return timer
    }

    /// Cancels a timer from ``scheduleLocalTimer(in:_:)``; nothing happens if it already ran.
    package func cancelLocalTimer(_ timer: AnyObject) {
        assertInEventLoop()
        _ = timers.cancel(unsafeDowncast(timer, to: ScheduledTimer.self))
    }

    // MARK: - Receive buffers (loop thread only)

    /// A cleared buffer for one read of up to `capacity` bytes: the loop's spare buffer when it
    /// fits (at least `capacity`, at most twice that, so a small read never pins a large
    /// block in a consumer's queue), otherwise a new one.
    package func takeReceiveBuffer(capacity: Int) -> ByteBuffer {
        if let spare = spareReceiveBuffer, spare.capacity >= capacity, spare.capacity <= 2 * capacity {
            spareReceiveBuffer = nil
            return spare
        }
        return ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Gives a delivered receive buffer back. Clearing it reuses its storage when the consumer
    /// kept no reference (the request/response case: the bytes were written on at once), and
    /// otherwise gives it fresh storage, which the next read needs anyway. Either way a read on
    /// this loop costs no allocation while consumers do not hold on to what they are given.
    package func recycleReceiveBuffer(_ buffer: inout ByteBuffer) {
        buffer.clear()
        spareReceiveBuffer = buffer
    }

    // MARK: - EventLoop

    public var inEventLoop: Bool {
        threadID.load(ordering: .relaxed) == UInt(pthread_self())
    }

    public func execute(_ task: @escaping @Sendable () -> Void) {
        if inEventLoop {
            localTasks.append(.closure(task))
            return
        }
        let (needsWake, accepted) = inbox.withLockedValue { inbox -> (Bool, Bool) in
            guard !inbox.stopped else { return (false, false) }
            inbox.tasks.append(task)
            if inbox.wakePending { return (false, true) }
            inbox.wakePending = true
            return (true, true)
        }
        // A task for a loop that has shut down is dropped, as NIO's loops do.
        if accepted, needsWake { wake() }
    }

    public func _executeIsolatedUnsafeUnchecked(_ task: @escaping () -> Void) {
        assertInEventLoop()
        localTasks.append(.closure(task))
    }

    public func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        makeScheduled(deadline: deadline, task)
    }

    public func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        makeScheduled(deadline: .now() + delay, task)
    }

    public func _scheduleTaskIsolatedUnsafeUnchecked<T>(
        deadline: NIODeadline,
        _ task: @escaping () throws -> T
    ) -> Scheduled<T> {
        assertInEventLoop()
        return makeScheduled(deadline: deadline, task)
    }

    public func _scheduleTaskIsolatedUnsafeUnchecked<T>(
        in delay: TimeAmount,
        _ task: @escaping () throws -> T
    ) -> Scheduled<T> {
        assertInEventLoop()
        return makeScheduled(deadline: .now() + delay, task)
    }

    private func makeScheduled<T>(deadline: NIODeadline, _ task: @escaping () throws -> T) -> Scheduled<T> {
        let promise = makePromise(of: T.self)
        let timer = ScheduledTimer(deadline: deadline.uptimeNanoseconds, task: .notified { fired in
            guard fired else {
                promise.fail(EventLoopError.shutdown)
                return
            }
            // Timers fire on the loop, the promise's loop.
            do {
                promise.assumeIsolatedUnsafeUnchecked().succeed(try task())
            } catch {
                promise.fail(error)
            }
        })
        let sendableTimer = UnsafeTimerReference(timer)
        if inEventLoop {
            timers.insert(timer)
        } else {
            let insert = UnsafeSendableBox { [self] in timers.insert(sendableTimer.timer) }
            execute { insert.value() }
        }
        return Scheduled(promise: promise) { [self] in
            let cancel = UnsafeSendableBox { [self] in
                if timers.cancel(sendableTimer.timer) { promise.fail(EventLoopError.cancelled) }
            }
            if inEventLoop {
                cancel.value()
            } else {
                execute { cancel.value() }
            }
        }
    }

    public func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, "not on \(name)", file: file, line: line)
    }

    public func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, "on \(name)", file: file, line: line)
    }

    public func next() -> any EventLoop { self }

    public func any() -> any EventLoop { self }

    public func makeIterator() -> EventLoopIterator { EventLoopIterator([self]) }

    /// Stops the loop once the tasks queued so far have run; `callback` is called on `queue`
    /// after the thread has finished.
    public func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        let (alreadyStopped, needsWake) = inbox.withLockedValue { inbox -> (Bool, Bool) in
            if inbox.stopped { return (true, false) }
            inbox.shutdownWaiters.append((queue, callback))
            inbox.stopping = true
            return (false, true)
        }
        if alreadyStopped {
            queue.async { callback(nil) }
        } else if needsWake {
            wake()
        }
    }
}

/// Carries a timer (loop-confined) into the `@Sendable` cancellation closure; it is only touched
/// on its loop.
private struct UnsafeTimerReference: @unchecked Sendable {
    let timer: ScheduledTimer
    init(_ timer: ScheduledTimer) { self.timer = timer }
}

/// Carries a loop-confined closure across the `@Sendable` boundary of `execute`; only ever
/// called on the loop that made it.
private struct UnsafeSendableBox: @unchecked Sendable {
    let value: () -> Void
    init(_ value: @escaping () -> Void) { self.value = value }
}
#endif
