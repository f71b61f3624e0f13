#if os(Linux)
import Dispatch
import NIOCore
import Synchronization

/// A fixed set of ``NativeEventLoop``s, handed out round robin by `next()`.
public final class NativeEventLoopGroup: EventLoopGroup, Sendable {
    private let loops: [NativeEventLoop]
    private let index = Atomic<Int>(0)

    /// Starts `numberOfThreads` loops, named `<name>-0`, `<name>-1`, ….
    public init(numberOfThreads: Int, name: String = "relay-worker") throws {
        precondition(numberOfThreads > 0, "a NativeEventLoopGroup needs at least one thread")
        self.loops = try (0..<numberOfThreads).map { try NativeEventLoop(name: "\(name)-\($0)") }
    }

    /// The loops, in order.
    public var eventLoops: [NativeEventLoop] { loops }

    public func next() -> any EventLoop {
        loops[index.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }

    public func any() -> any EventLoop {
        for loop in loops where loop.inEventLoop { return loop }
        return next()
    }

    public func makeIterator() -> EventLoopIterator {
        EventLoopIterator(loops)
    }

    /// Shuts every loop down; `callback` runs on `queue` once all have stopped.
    public func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        let group = DispatchGroup()
        for loop in loops {
            group.enter()
            loop.shutdownGracefully(queue: queue) { _ in group.leave() }
        }
        group.notify(queue: queue) { callback(nil) }
    }
}
#endif
