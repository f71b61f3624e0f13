#if os(Linux)
import CRelayIO
import Glibc

/// An integer socket option by level and name (`SOL_SOCKET`/`SO_KEEPALIVE`, `IPPROTO_TCP`/`TCP_NODELAY`, …).
package struct RawSocketOption: Sendable, Hashable {
    /// The protocol level.
    package var level: Int32
    /// The option name at that level.
    package var name: Int32
    /// The value.
    package var value: Int32

    /// Creates an option.
    package init(level: Int32, name: Int32, value: Int32) {
        self.level = level
        self.name = name
        self.value = value
    }

    /// `TCP_NODELAY` on.
    package static let tcpNoDelay = RawSocketOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)

    func apply(to descriptor: CInt) throws {
        var value = self.value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
            throw SocketError(operation: "setsockopt(\(level), \(name))", errno: errno)
        }
    }
}
#endif
