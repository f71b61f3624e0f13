import IstioPeer
import Logging
import NIOCore
import Relay

/// Istio's TCP metadata exchange on one connection (downstream or upstream): sends this
/// node's frame, reads the peer's, publishes the peer in filter state, and passes the
/// application's bytes through without the frames.
///
/// Writes that come before the transport is ready (a server-first application answering
/// before our TLS handshake finished) are held until the `connected` event, so the ALPN
/// check always sees the negotiated protocol.
///
/// - Note: Per connection; confined to its event loop.
public final class MetadataExchangeFilter: ReadFilter, WriteFilter, ConnectionCallbacks {
    private let shared: MetadataExchangeFilter.Shared
    private var machine: MetadataExchangeStateMachine
    private var readCallbacks: (any ReadFilterCallbacks)!
    private var writeCallbacks: (any WriteFilterCallbacks)!
    private var heldWrites: ByteBuffer?
    private var heldEndStream = false

    init(shared: MetadataExchangeFilter.Shared) {
        self.shared = shared
        self.machine = MetadataExchangeStateMachine(
            expectedProtocol: shared.expectedProtocol,
            maxPayloadBytes: shared.maxPayloadBytes,
            additionalLabels: shared.additionalLabels
        )
    }

    public func initialize(callbacks: any ReadFilterCallbacks) {
        readCallbacks = callbacks
        callbacks.connection.addConnectionCallbacks(self)
    }

    public func initialize(writeCallbacks: any WriteFilterCallbacks) {
        self.writeCallbacks = writeCallbacks
    }

    private var connection: NetworkConnection { readCallbacks.connection }

    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        if machine.state == .done || machine.state == .invalid { return .continue }
        let (status, effects) = machine.onData(&data, endStream: endStream, negotiatedProtocol: connection.negotiatedProtocol)
        apply(effects)
        return status
    }

    public func onWrite(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        if machine.state != .connProtocolNotRead && machine.state != .writeMetadata { return .continue }
        guard connection.isConnected else {
            // Hold until the handshake tells us the ALPN.
            var moved = data
            data.moveReaderIndex(forwardBy: data.readableBytes)
            if heldWrites == nil {
                heldWrites = moved
            } else {
                heldWrites!.writeBuffer(&moved)
            }
            heldEndStream = heldEndStream || endStream
            return .stopIteration
        }
        apply(machine.onWrite(negotiatedProtocol: connection.negotiatedProtocol))
        return .continue
    }

    public func onEvent(_ event: ConnectionEvent) {
        guard event == .connected, let held = heldWrites else { return }
        heldWrites = nil
        apply(machine.onWrite(negotiatedProtocol: connection.negotiatedProtocol))
        writeCallbacks.injectWriteDataToFilterChain(held, endStream: heldEndStream)
    }

    private func apply(_ effects: MetadataExchangeStateMachine.Effects) {
        for counter in effects.counters { shared.stats.increment(counter) }
        if effects.injectFrame {
            writeCallbacks.injectWriteDataToFilterChain(shared.frame, endStream: false)
        }
        if let peer = effects.publish {
            try? connection.filterState.set(shared.peerKey, peer, mutability: .readOnly, sharing: .none)
        }
        if let warning = effects.warning {
            shared.logger.warning(
                "\(warning)",
                metadata: ["connection": "\(connection.id)", "direction": "\(shared.direction)"]
            )
        }
        if effects.closeConnection {
            connection.close(.noFlush)
        }
    }
}

@available(*, unavailable)
extension MetadataExchangeFilter: Sendable {}
