#if os(Linux)
import CRelayIO
import Glibc
import NIOCore

/// A listening TCP socket on a ``NativeEventLoop``: accepts with `accept4` (non-blocking,
/// close-on-exec, the peer's address from the same call) until the kernel has no more, and
/// hands each descriptor to `onAccept` on the loop.
///
/// Out of file descriptors (`EMFILE`, `ENFILE`) it pauses accepting for a second, as NIO's
/// `AcceptBackoffHandler` does, instead of spinning on a socket that stays readable; the
/// connections wait in the backlog. Every failure is reported to `onAcceptError`.
///
/// - Note: Confined to its event loop.
package final class ListeningSocket: IOEventHandler {
    package let loop: NativeEventLoop
    /// The bound address (with the kernel's port when bound to port 0).
    package let localAddress: SocketAddress
    private let descriptor: CInt
    private let onAccept: (CInt, SocketAddress?) -> Void
    private let onAcceptError: (CInt) -> Void
    private var open = true
    private var backingOff = false
    private var acceptScheduled = false

    /// Binds and listens on `address` (on `loop`'s thread): `options` before `bind`,
    /// `SO_REUSEADDR` and, with `reusePort`, `SO_REUSEPORT` so one socket per loop can share it.
    package init(
        address: SocketAddress,
        backlog: Int32,
        reusePort: Bool,
        options: [RawSocketOption],
        on loop: NativeEventLoop,
        onAccept: @escaping (CInt, SocketAddress?) -> Void,
        onAcceptError: @escaping (CInt) -> Void
    ) throws {
        loop.assertInEventLoop()
        let descriptor = Glibc.socket(
            address.protocol.rawValue,
            CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue),
            0
        )
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        do {
            try RawSocketOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1).apply(to: descriptor)
            if reusePort { try RawSocketOption(level: SOL_SOCKET, name: SO_REUSEPORT, value: 1).apply(to: descriptor) }
            for option in options { try option.apply(to: descriptor) }
            let bound = address.withSockAddr { pointer, length in Glibc.bind(descriptor, pointer, socklen_t(length)) }
            guard bound == 0 else { throw SocketError(operation: "bind", errno: errno) }
            guard Glibc.listen(descriptor, backlog) == 0 else { throw SocketError(operation: "listen", errno: errno) }
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.loop = loop
        self.localAddress = SocketAddressConversion.local(of: descriptor) ?? address
        self.onAccept = onAccept
        self.onAcceptError = onAcceptError
        do {
            try loop.register(descriptor, events: EpollEvents.input, handler: self)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
    }

    /// Sets an option on the listening socket (after `listen`).
    package func apply(_ option: RawSocketOption) throws {
        try option.apply(to: descriptor)
    }

    /// Reads an integer option of the listening socket.
    package func option(level: Int32, name: Int32) throws -> Int32 {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(descriptor, level, name, &value, &length) == 0 else {
            throw SocketError(operation: "getsockopt(\(level), \(name))", errno: errno)
        }
        return value
    }

    /// Stops listening and closes the socket.
    package func close() {
        guard open else { return }
        open = false
        loop.deregister(descriptor)
        Glibc.close(descriptor)
    }

    package var isOpen: Bool { open }

    package func handleIOEvents(_ events: UInt32) {
        acceptAvailable()
    }

    /// The accept pass queued when a turn's budget ran out.
    package func runDeferredWork() {
        acceptScheduled = false
        acceptAvailable()
    }

    private func acceptAvailable() {
        var accepted = 0
        while open, !backingOff {
            if accepted == 64 {
                // Let the connections already accepted make progress; continue next turn.
                guard !acceptScheduled else { return }
                acceptScheduled = true
                loop.executeOnLoop(self)
                return
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { crelayio_accept(descriptor, $0, &length) }
            }
            if client >= 0 {
                accepted += 1
                onAccept(client, SocketAddressConversion.address(from: storage))
                continue
            }
            let code = errno
            switch code {
            case EAGAIN, EWOULDBLOCK:
                return
            case EINTR, ECONNABORTED:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                onAcceptError(code)
                backOff()
                return
            default:
                onAcceptError(code)
                return
            }
        }
    }

    private func backOff() {
        backingOff = true
        _ = loop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            backingOff = false
            acceptAvailable()
        }
    }
}

@available(*, unavailable)
extension ListeningSocket: Sendable {}
#endif
