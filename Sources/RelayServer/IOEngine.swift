import NIOCore
import NIOPosix
#if os(Linux)
import RelayIO
#endif

/// Which event loops and sockets carry a server's proxied traffic. The admin server always
/// runs on a NIO event loop of its own.
public enum IOEngine: String, Sendable, Hashable, CaseIterable {
    /// SwiftNIO's `MultiThreadedEventLoopGroup` and socket channels (the default).
    case nio
    /// Relay's own event loops (`RelayIO`): one edge-triggered epoll registration per socket and
    /// no interest changes, the peer's address from `accept4`, no per-connection channel
    /// pipeline — fewer system calls and less memory per connection. Linux only.
    case native

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
