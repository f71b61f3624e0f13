/// Runs `operation`, failing with ``DeadlineExceeded`` if it has not finished within
/// `seconds`: for tests whose regression is a hang (the awaited event never comes).
func withDeadline<T: Sendable>(
    seconds: Int,
    _ what: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(what: what, seconds: seconds)
        }
        return value
    }
}

/// An operation that did not finish before its deadline.
struct DeadlineExceeded: Error, CustomStringConvertible {
    let what: String
    let seconds: Int
    var description: String { "\(what) did not finish within \(seconds) s" }
}
