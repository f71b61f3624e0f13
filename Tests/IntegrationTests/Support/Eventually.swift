import NIOCore
import NIOPosix

/// Waits until `condition` holds, checking each time the event loop has run for a tick
/// (10 ms), for at most `timeout`. For state that other event loops update (stats after a
/// close); fails with the condition still false after the deadline.
func eventually(timeout: TimeAmount = .seconds(5), _ condition: () -> Bool) async throws -> Bool {
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let deadline = NIODeadline.now() + timeout
    while !condition() {
        if NIODeadline.now() > deadline { return false }
        try await loop.scheduleTask(in: .milliseconds(10)) {}.futureResult.get()
    }
    return true
}

/// ``eventually(timeout:_:)`` for a condition that must itself await (a connect attempt).
func eventually(timeout: TimeAmount = .seconds(5), _ condition: () async -> Bool) async throws -> Bool {
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let deadline = NIODeadline.now() + timeout
    while await !condition() {
        if NIODeadline.now() > deadline { return false }
        try await loop.scheduleTask(in: .milliseconds(10)) {}.futureResult.get()
    }
    return true
}
