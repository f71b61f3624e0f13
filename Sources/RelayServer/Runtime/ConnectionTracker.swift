import NIOCore
import Relay

/// The accepted sockets still open, so that `stop()` can close them and a drain can wait for
/// them: one set per event loop, touched only on its loop, so the accept and close paths take
/// no lock shared between loops. NIO channels and `native` engine sockets are tracked alike.
final class ConnectionTracker: Sendable {
    private struct LoopSockets {
        var channels: [ObjectIdentifier: any Channel] = [:]
        #if os(Linux)
        /// Each handler knows its slot here (``NativeConnectionHandler/trackingSlot``), so
        /// tracking a socket costs no hashing and no closure: removal swaps the last one in.
        var native: [NativeConnectionHandler] = []
        #endif
        /// Called once this loop has no open socket.
        var emptyWaiters: [() -> Void] = []

        var isEmpty: Bool {
            #if os(Linux)
            channels.isEmpty && native.isEmpty
            #else
            channels.isEmpty
            #endif
        }

        mutating func takeWaitersIfEmpty() -> [() -> Void] {
            guard isEmpty, !emptyWaiters.isEmpty else { return [] }
            defer { emptyWaiters.removeAll() }
            return emptyWaiters
        }
    }

    /// Per event loop, fixed at init.
    private let loops: [ObjectIdentifier: NIOLoopBoundBox<LoopSockets>]

    init(loops: [any EventLoop]) {
        var sets: [ObjectIdentifier: NIOLoopBoundBox<LoopSockets>] = [:]
        for loop in loops {
            sets[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(LoopSockets(), eventLoop: loop)
        }
        self.loops = sets
    }

    /// Tracks `channel` until it closes. Called on the channel's event loop.
    func add(_ channel: any Channel) {
        guard let set = loops[ObjectIdentifier(channel.eventLoop)] else { return }
        let id = ObjectIdentifier(channel)
        set.value.channels[id] = channel
        channel.closeFuture.assumeIsolated().whenComplete { _ in
            set.value.channels.removeValue(forKey: id)
            for waiter in set.value.takeWaitersIfEmpty() { waiter() }
        }
    }

    #if os(Linux)
    /// Tracks a `native` engine socket until it closes (``remove(_:)``). Called on its event loop.
    func add(_ handler: NativeConnectionHandler) {
        guard let set = loops[ObjectIdentifier(handler.eventLoopForAttach)] else { return }
        handler.trackingSlot = set.value.native.count
        handler.tracker = self
        set.value.native.append(handler)
    }

    /// Stops tracking a `native` engine socket that has closed. Called on its event loop.
    func remove(_ handler: NativeConnectionHandler) {
        guard let set = loops[ObjectIdentifier(handler.eventLoopForAttach)] else { return }
        let slot = handler.trackingSlot
        guard slot >= 0, slot < set.value.native.count, set.value.native[slot] === handler else { return }
        handler.trackingSlot = -1
        let last = set.value.native.removeLast()
        if last !== handler {
            last.trackingSlot = slot
            set.value.native[slot] = last
        }
        for waiter in set.value.takeWaitersIfEmpty() { waiter() }
    }
    #endif

    /// Closes every tracked socket at once (no flush) and returns when each loop has done so.
    func closeAll() async {
        var closes: [EventLoopFuture<Void>] = []
        for set in loops.values {
            let loop = set.eventLoop
            let closed = loop.flatSubmit { () -> EventLoopFuture<Void> in
                #if os(Linux)
                for handler in set.value.native { handler.close(.immediately) }
                #endif
                let channels = Array(set.value.channels.values)
                return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: loop)
            }
            closes.append(closed)
        }
        for close in closes { try? await close.get() }
    }

    /// Completes on `loop` once no tracked socket is open on any loop at the same moment (a
    /// loop that empties and then accepts again is waited for again). Fails only when a loop
    /// has shut down, which also means its sockets are gone.
    func whenAllClosed(on loop: any EventLoop) -> EventLoopFuture<Void> {
        let perLoop = loops.values.map { set in
            set.eventLoop.flatSubmit { () -> EventLoopFuture<Bool> in
                if set.value.isEmpty { return set.eventLoop.makeSucceededFuture(true) }
                let promise = set.eventLoop.makePromise(of: Bool.self)
                set.value.emptyWaiters.append { promise.succeed(false) }
                return promise.futureResult
            }
        }
        return EventLoopFuture.whenAllSucceed(perLoop, on: loop).flatMap { wereAlreadyEmpty in
            if wereAlreadyEmpty.allSatisfy({ $0 }) { return loop.makeSucceededVoidFuture() }
            return self.whenAllClosed(on: loop)
        }
    }
}
