import IstioPeer
import NIOCore
import Relay

/// Istio's `istio-peer-exchange` state machine for one connection and one direction, with
/// no I/O: each event returns what the filter must do.
///
/// - Whichever comes first, our first write or the peer's first bytes, triggers our frame.
/// - The peer's frame is read from the front of the stream: 8 header bytes, then the
///   payload. While waiting, nothing is drained and the chain stops; the filter manager
///   re-presents the whole buffer with the next read.
/// - Bad magic: the exchange stops and the bytes pass on untouched.
/// - A payload that is not an Any holding a Struct: the exchange stops, the header is gone,
///   the payload passes on (as Istio).
/// - Relay's additions: a payload over the limit closes the connection (counted), and end of
///   stream while waiting publishes an explicit `closed_early` peer-not-found.
public struct MetadataExchangeStateMachine: Sendable {
    /// Istio's states.
    public enum State: Sendable, Hashable {
        case connProtocolNotRead
        case writeMetadata
        case readingInitialHeader
        case needMoreDataInitialHeader
        case readingProxyHeader
        case needMoreDataProxyHeader
        case done
        case invalid
    }

    /// A counter to increment (`metadata_exchange.<name>`).
    public enum Counter: Sendable, Hashable {
        case alpnProtocolFound
        case alpnProtocolNotFound
        case initialHeaderNotFound
        case headerNotFound
        case metadataAdded
        case payloadTooLarge
        case peerNotFound(PeerNotFoundReason)
    }

    /// What the filter must do after an event.
    public struct Effects: Sendable, Hashable {
        /// Write our frame into the write chain, ahead of any data being written now.
        public var injectFrame = false
        /// Publish the peer (or why there is none) in filter state.
        public var publish: PeerLookup?
        /// Close the connection (a rejected frame).
        public var closeConnection = false
        /// Counters to increment, in order.
        public var counters: [Counter] = []
        /// A warning to log.
        public var warning: String?

        public init() {}
    }

    /// The current state.
    public private(set) var state: State = .connProtocolNotRead
    private let expectedProtocol: String
    private let maxPayloadBytes: Int
    private let additionalLabels: [String]
    private var payloadLength = 0
    private var frameWritten = false

    /// A machine expecting ALPN `expectedProtocol`.
    public init(expectedProtocol: String, maxPayloadBytes: Int, additionalLabels: [String] = []) {
        self.expectedProtocol = expectedProtocol
        self.maxPayloadBytes = maxPayloadBytes
        self.additionalLabels = additionalLabels
    }

    /// Our side is about to write application bytes.
    public mutating func onWrite(negotiatedProtocol: String) -> Effects {
        var effects = Effects()
        if state == .connProtocolNotRead {
            checkProtocol(negotiatedProtocol, &effects)
        }
        if state == .writeMetadata {
            writeFrame(&effects)
        }
        return effects
    }

    /// Bytes arrived from the peer. Drains what the exchange consumed from `buffer`.
    public mutating func onData(_ buffer: inout ByteBuffer, endStream: Bool, negotiatedProtocol: String)
        -> (FilterStatus, Effects)
    {
        var effects = Effects()
        if state == .connProtocolNotRead {
            checkProtocol(negotiatedProtocol, &effects)
        }
        if state == .writeMetadata {
            writeFrame(&effects)
        }
        if state == .readingInitialHeader || state == .needMoreDataInitialHeader {
            switch MetadataExchangeHeader.peek(buffer) {
            case .needMoreData:
                effects.counters.append(.initialHeaderNotFound)
                state = .needMoreDataInitialHeader
                if endStream {
                    giveUp(.closedEarly, "Upstream closed early, aborting istio-peer-exchange", &effects)
                    return (.continue, effects)
                }
                return (.stopIteration, effects)
            case .magicMismatch:
                effects.counters.append(.initialHeaderNotFound)
                giveUp(.magicMismatch, "Incorrect istio-peer-exchange ALPN magic. Peer missing TCP MetadataExchange filter.", &effects)
                return (.continue, effects)
            case .header(let header):
                if Int(header.payloadLength) > maxPayloadBytes {
                    effects.counters.append(.payloadTooLarge)
                    giveUp(
                        .payloadTooLarge,
                        "istio-peer-exchange payload of \(header.payloadLength) bytes exceeds the \(maxPayloadBytes)-byte limit; closing",
                        &effects
                    )
                    effects.closeConnection = true
                    return (.stopIteration, effects)
                }
                payloadLength = Int(header.payloadLength)
                buffer.moveReaderIndex(forwardBy: MetadataExchangeHeader.size)
                state = .readingProxyHeader
            }
        }
        if state == .readingProxyHeader || state == .needMoreDataProxyHeader {
            guard buffer.readableBytes >= payloadLength else {
                state = .needMoreDataProxyHeader
                if endStream {
                    giveUp(.closedEarly, "Stream ended inside the istio-peer-exchange payload", &effects)
                    return (.continue, effects)
                }
                return (.stopIteration, effects)
            }
            let payload = buffer.getSlice(at: buffer.readerIndex, length: payloadLength)!
            do {
                let peer = try PeerMetadataCodec.parse(payload: payload, additionalLabels: additionalLabels)
                buffer.moveReaderIndex(forwardBy: payloadLength)
                state = .done
                if let peer {
                    effects.publish = .found(peer)
                } else {
                    effects.publish = .notFound(.noMetadata)
                    effects.counters.append(.peerNotFound(.noMetadata))
                }
            } catch {
                effects.counters.append(.headerNotFound)
                giveUp(.parseFailure, "Alpn protocol matched. Magic matched. Metadata Not found.", &effects)
            }
        }
        return (.continue, effects)
    }

    private mutating func checkProtocol(_ negotiated: String, _ effects: inout Effects) {
        if negotiated == expectedProtocol {
            effects.counters.append(.alpnProtocolFound)
            state = .writeMetadata
        } else {
            effects.counters.append(.alpnProtocolNotFound)
            effects.counters.append(.peerNotFound(.alpnNotNegotiated))
            effects.publish = .notFound(.alpnNotNegotiated)
            state = .invalid
        }
    }

    private mutating func writeFrame(_ effects: inout Effects) {
        if !frameWritten {
            frameWritten = true
            effects.injectFrame = true
            effects.counters.append(.metadataAdded)
        }
        state = .readingInitialHeader
    }

    private mutating func giveUp(_ reason: PeerNotFoundReason, _ warning: String, _ effects: inout Effects) {
        state = .invalid
        effects.publish = .notFound(reason)
        effects.counters.append(.peerNotFound(reason))
        effects.warning = warning
    }
}
