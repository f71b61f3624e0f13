#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a RelayIO socket: which call and the `errno` it set.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    /// The system call (`connect`, `accept4`, …).
    public let operation: String
    /// The `errno` value.
    public let code: Int32

    init(operation: String, errno code: Int32) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}
