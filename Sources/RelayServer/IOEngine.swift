import NIOCore
import NIOPosix
#if os(Linux)
import RelayIO
#endif

/// Which event loops and sockets carry a server's proxied traffic. The admin server always
/// runs on a NIO event loop of its own. Filters, stats and every behaviour are the same on
/// both; the whole test suite runs on each.
public enum IOEngine: String, Sendable, Hashable, CaseIterable {
    /// SwiftNIO's `MultiThreadedEventLoopGroup` and socket channels.
    case nio
    /// Relay's own event loops (`RelayIO`): one edge-triggered epoll registration per socket and
    /// no interest changes, the peer's address from `accept4`, no per-connection channel
    /// pipeline — about half the system calls of `nio` per proxied connection. Linux only.
    case native

    /// `native` on Linux, `nio` elsewhere.
    public static var `default`: IOEngine {
        #if os(Linux)
        .native
        #else
        .nio
        #endif
    }

    /// A group of `threads` loops for this engine.
    func makeEventLoopGroup(threads: Int) -> any EventLoopGroup {
        switch self {
        case .nio:
            return MultiThreadedEventLoopGroup(numberOfThreads: threads)
        case .native:
            #if os(Linux)
            do {
                return try NativeEventLoopGroup(numberOfThreads: threads)
            } catch {
                fatalError("cannot start the native event loops: \(error)")
            }
            #else
            return MultiThreadedEventLoopGroup(numberOfThreads: threads)
            #endif
        }
    }

    /// Whether `group` is the native engine's.
    static func isNative(_ group: any EventLoopGroup) -> Bool {
        #if os(Linux)
        return group is NativeEventLoopGroup
        #else
        return false
        #endif
    }
}
