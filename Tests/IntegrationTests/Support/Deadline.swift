import NIOCore
import NIOPosix
import Synchronization

/// Runs `operation`, failing with ``DeadlineExceeded`` if it has not finished within
/// `seconds`: for tests whose regression is a hang (the awaited event never comes).
///
/// The operation runs in a task of its own and is not awaited past the deadline (a hung NIO
/// future or child process cannot be cancelled), so a hang fails the test instead of hanging it.
func withDeadline<T: Sendable>(
    seconds: Int,
    _ what: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        outcome.install(continuation)
        let work = Task {
            do {
                outcome.finish(.success(try await operation()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        // The deadline is a timer on an event loop, cancelled as soon as the operation ends.
        let deadline = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .seconds(Int64(seconds))) {
            if outcome.finish(.failure(DeadlineExceeded(what: what, seconds: seconds))) { work.cancel() }
        }
        Task {
            _ = await work.result
            deadline.cancel()
        }
    }
}

/// Resumes a continuation with whichever result comes first.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, done: Bool)>((nil, false))

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Resumes with `result` if nothing did yet; returns whether this call did.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            return state.continuation
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

/// An operation that did not finish before its deadline.
struct DeadlineExceeded: Error, CustomStringConvertible {
    let what: String
    let seconds: Int
    var description: String { "\(what) did not finish within \(seconds) s" }
}
