import NIOCore

/// The accepted channels still open, so that `stop()` can close them: one set per event loop,
/// touched only on its loop, so the accept and close paths take no lock shared between loops.
final class ConnectionTracker: Sendable {
    private struct LoopChannels {
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    /// Per event loop, fixed at init.
    private let loops: [ObjectIdentifier: NIOLoopBoundBox<LoopChannels>]

    init(loops: [any EventLoop]) {
        var sets: [ObjectIdentifier: NIOLoopBoundBox<LoopChannels>] = [:]
        for loop in loops {
            sets[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(LoopChannels(), eventLoop: loop)
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
        }
    }

    /// Every channel still open, collected from each loop.
    func all() async -> [any Channel] {
        guard let loop = loops.values.first?.eventLoop else { return [] }
        return (try? await all(on: loop).get()) ?? []
    }

    /// Every channel still open, collected from each loop, delivered on `loop`; empty when a
    /// loop has already shut down.
    func all(on loop: any EventLoop) -> EventLoopFuture<[any Channel]> {
        let perLoop = loops.values.map { set in
            set.eventLoop.submit { Array(set.value.channels.values) }
        }
        return EventLoopFuture.whenAllComplete(perLoop, on: loop).map { results in
            results.flatMap { (try? $0.get()) ?? [] }
        }
    }
}
