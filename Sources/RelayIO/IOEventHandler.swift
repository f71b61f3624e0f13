#if os(Linux)
import CRelayIO

/// What a ``NativeEventLoop`` calls when a registered descriptor is ready.
package protocol IOEventHandler: AnyObject {
    /// `events` is the epoll event mask (`EPOLLIN`, `EPOLLOUT`, `EPOLLRDHUP`, `EPOLLHUP`,
    /// `EPOLLERR`). Registrations are edge-triggered: the handler must consume the readiness
    /// it is told about (read or write until the kernel says `EAGAIN`, or remember it).
    func handleIOEvents(_ events: UInt32)
    /// Runs work the handler queued with ``NativeEventLoop/executeOnLoop(_:)-(IOEventHandler)``
    /// (a deferred read): queuing the handler itself costs no closure allocation.
    func runDeferredWork()
}

/// epoll's event bits, as `UInt32`.
enum EpollEvents {
    static let input = EPOLLIN.rawValue
    static let output = EPOLLOUT.rawValue
    static let peerHangup = EPOLLRDHUP.rawValue
    static let hangup = EPOLLHUP.rawValue
    static let error = EPOLLERR.rawValue
}
#endif
