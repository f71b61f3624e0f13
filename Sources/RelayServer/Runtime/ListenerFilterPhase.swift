import NIOCore
import Relay

/// Runs a listener's listener filters on one accepted socket (Envoy's `ActiveTcpSocket`):
/// filters in order; a filter that stops waits for bytes, which are held here (Envoy peeks;
/// Relay reads and replays, which the connection cannot tell apart). When all filters
/// continue, the listener picks a filter chain and builds the connection.
///
/// - Note: Confined to the socket's event loop.
final class ListenerFilterPhase: ListenerFilterCallbacks {
    let socket: AcceptedSocket
    let filterState = FilterState()
    let dispatcher: Dispatcher
    private let listener: ListenerRuntime
    private var filters: [any ListenerFilter]
    private var index = 0
    private var waiting = false
    private var held = ByteBuffer()
    private var sawEOF = false
    private var finished = false
    private var timer: DispatcherTimer?
    /// Strong: the handler holds this phase until the connection is made or the socket closes,
    /// and ``finish()`` lets go of the handler, which ends that cycle. A weak reference would give
    /// the handler a side table for its whole life and send every retain and release of it, on
    /// every read and write of the connection, down the runtime's slow path.
    private var handler: SocketConnectionHandler?
    private let liveObject: LiveObjectToken

    init(listener: ListenerRuntime, socket: AcceptedSocket, dispatcher: Dispatcher) {
        self.listener = listener
        self.socket = socket
        self.dispatcher = dispatcher
        self.liveObject = LiveObjectToken(.listenerFilterPhase, on: dispatcher.eventLoop)
        self.filters = listener.listenerFilters.map { $0.makeFilter() }
    }

    func start(handler: SocketConnectionHandler) {
        self.handler = handler
        listener.stats.preConnectionsActive.increment()
        if let timeout = listener.listenerFiltersTimeout, !filters.isEmpty {
            timer = dispatcher.schedule(after: timeout) { [weak self] in self?.timedOut() }
        }
        runFilters()
    }

    private func runFilters() {
        while index < filters.count {
            let filter = filters[index]
            if !waiting {
                if filter.onAccept(self) == .stopIteration {
                    if finished { return }
                    if filter.maxReadBytes > 0 {
                        waiting = true
                        if held.readableBytes > 0, filter.onData(held) == .continue {
                            waiting = false
                            index += 1
                            continue
                        }
                        if finished { return }
                        if sawEOF {
                            listener.stats.listenerFilterRemoteClose.increment()
                            reject()
                        }
                        return
                    }
                    return  // asynchronous: the filter calls continueFilterChain
                }
                if finished { return }
                index += 1
            } else {
                return
            }
        }
        complete()
    }

    func received(_ bytes: ByteBuffer) {
        guard !finished else { return }
        var bytes = bytes
        held.writeBuffer(&bytes)
        guard waiting, index < filters.count else { return }
        let filter = filters[index]
        let view = held.getSlice(at: held.readerIndex, length: min(held.readableBytes, max(filter.maxReadBytes, 1)))!
        if filter.onData(view) == .continue {
            waiting = false
            index += 1
            runFilters()
        } else if !finished, held.readableBytes >= filter.maxReadBytes {
            // The filter saw all it asked for and still wants more: it must decide now.
            listener.stats.listenerFilterError.increment()
            reject()
        }
    }

    func receivedEOF() {
        guard !finished else { return }
        sawEOF = true
        if waiting {
            listener.stats.listenerFilterRemoteClose.increment()
            filters[index].onClose()
            reject()
        }
    }

    func socketClosed() {
        guard !finished else { return }
        if waiting { filters[index].onClose() }
        finish()
    }

    private func timedOut() {
        guard !finished else { return }
        listener.stats.preConnectionTimeouts.increment()
        if listener.continueOnListenerFiltersTimeout {
            complete()
        } else {
            reject()
        }
    }

    func continueFilterChain(success: Bool) {
        guard !finished else { return }
        if !success {
            reject()
            return
        }
        waiting = false
        index += 1
        runFilters()
    }

    func reject() {
        guard !finished else { return }
        let handler = self.handler
        finish()
        handler?.rejectSocket()
    }

    private func finish() {
        finished = true
        timer?.cancel()
        timer = nil
        // Listener filters keep their callbacks (this object): drop them to end that cycle.
        filters.removeAll()
        handler = nil
        listener.stats.preConnectionsActive.decrement()
    }

    private func complete() {
        guard !finished, let handler else { return }
        finish()
        if socket.detectedTransportProtocol.isEmpty {
            socket.detectedTransportProtocol = "raw_buffer"
        }
        listener.createConnection(
            for: socket,
            dispatcher: dispatcher,
            filterState: filterState,
            handler: handler,
            held: held.readableBytes > 0 ? held : nil,
            sawEOF: sawEOF
        )
        held = ByteBuffer()
    }
}

@available(*, unavailable)
extension ListenerFilterPhase: Sendable {}
