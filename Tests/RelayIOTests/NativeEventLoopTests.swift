#if os(Linux)
import NIOCore
import RelayIO
import Synchronization
import Testing

/// The native event loop as a NIO `EventLoop`: where tasks run, in which order, timers and
/// their cancellation, and what a shutdown does to work still scheduled.
@Suite(.timeLimit(.minutes(1)))
struct NativeEventLoopTests {
    @Test func tasksFromAnotherThreadRunOnTheLoopInOrder() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let order = Mutex<[Int]>([])
        let onLoop = Mutex(true)
        var futures: [EventLoopFuture<Void>] = []
        for index in 0..<1000 {
            futures.append(loop.submit {
                if !loop.inEventLoop { onLoop.withLock { $0 = false } }
                order.withLock { $0.append(index) }
            })
        }
        try await EventLoopFuture.andAllSucceed(futures, on: loop).get()
        #expect(order.withLock { $0 } == Array(0..<1000))
        #expect(onLoop.withLock { $0 })
        #expect(!loop.inEventLoop)
        try await group.shutdownGracefully()
    }

    @Test func tasksQueuedOnTheLoopRunAfterTheCurrentOneInOrder() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let result = try await loop.submit { () -> EventLoopFuture<[String]> in
            let promise = loop.makePromise(of: [String].self)
            var log = ["first"]
            loop.assumeIsolated().execute { log.append("second") }
            loop.assumeIsolated().execute {
                log.append("third")
                promise.succeed(log)
            }
            log.append("still first")
            return promise.futureResult
        }.flatMap { $0 }.get()
        #expect(result == ["first", "still first", "second", "third"])
        try await group.shutdownGracefully()
    }

    @Test func aTimerFiresNoEarlierThanItsDeadline() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let start = NIODeadline.now()
        let fired = try await loop.scheduleTask(in: .milliseconds(30)) { NIODeadline.now() }.futureResult.get()
        #expect(fired - start >= .milliseconds(30))
        try await group.shutdownGracefully()
    }

    @Test func timersFireInDeadlineOrderWhateverTheInsertionOrder() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let order = Mutex<[Int]>([])
        let now = NIODeadline.now()
        var tasks: [Scheduled<Void>] = []
        for delay in [40, 10, 30, 20, 50] {
            tasks.append(loop.scheduleTask(deadline: now + .milliseconds(Int64(delay))) { order.withLock { $0.append(delay) } })
        }
        for task in tasks { try await task.futureResult.get() }
        #expect(order.withLock { $0 } == [10, 20, 30, 40, 50])
        try await group.shutdownGracefully()
    }

    @Test func aCancelledTimerNeverRunsAndFailsWithCancelled() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let ran = Mutex(false)
        let cancelled = loop.scheduleTask(in: .milliseconds(20)) { ran.withLock { $0 = true } }
        let later = loop.scheduleTask(in: .milliseconds(40)) {}
        cancelled.cancel()
        await #expect(throws: EventLoopError.cancelled) { try await cancelled.futureResult.get() }
        try await later.futureResult.get()
        #expect(!ran.withLock { $0 })
        try await group.shutdownGracefully()
    }

    @Test func loopLocalTimersRunInDeadlineOrderAndACancelledOneNever() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = try #require(group.next() as? NativeEventLoop)
        let order = try await loop.submit { () -> EventLoopFuture<[Int]> in
            let promise = loop.makePromise(of: [Int].self)
            var log: [Int] = []
            _ = loop.scheduleLocalTimer(in: .milliseconds(20)) { log.append(2) }
            let cancelled = loop.scheduleLocalTimer(in: .milliseconds(10)) { log.append(99) }
            _ = loop.scheduleLocalTimer(in: .milliseconds(5)) { log.append(1) }
            _ = loop.scheduleLocalTimer(in: .milliseconds(30)) { promise.succeed(log) }
            loop.cancelLocalTimer(cancelled)
            loop.cancelLocalTimer(cancelled)  // a second cancel is harmless
            return promise.futureResult
        }.flatMap { $0 }.get()
        #expect(order == [1, 2])
        try await group.shutdownGracefully()
    }

    @Test func shuttingDownFailsTimersThatHaveNotRun() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let pending = loop.scheduleTask(in: .hours(1)) {}
        let failure = Mutex<(any Error)?>(nil)
        // Registered before the shutdown is asked for, so it runs on the loop as it stops (a
        // callback added after a loop has stopped has nowhere to run, as with NIO's loops).
        pending.futureResult.whenFailure { error in failure.withLock { $0 = error } }
        try await group.shutdownGracefully()
        #expect(failure.withLock { $0 as? EventLoopError } == .shutdown)
    }

    @Test func aGroupHandsOutItsLoopsRoundRobin() async throws {
        let group = try NativeEventLoopGroup(numberOfThreads: 3)
        let picked = (0..<6).map { _ in ObjectIdentifier(group.next()) }
        #expect(Set(picked).count == 3)
        #expect(Array(picked[0..<3]) == Array(picked[3..<6]))
        #expect(Array(group.makeIterator()).count == 3)
        try await group.shutdownGracefully()
    }
}
#endif
