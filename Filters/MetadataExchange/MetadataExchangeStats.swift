import IstioPeer
import Relay

/// Istio's `metadata_exchange.*` counters (root scope), plus Relay's per-reason
/// `metadata_exchange.peer_not_found.<reason>` and `payload_too_large`.
public final class MetadataExchangeStats: Sendable {
    public let alpnProtocolFound: Counter
    public let alpnProtocolNotFound: Counter
    public let initialHeaderNotFound: Counter
    public let headerNotFound: Counter
    public let metadataAdded: Counter
    public let payloadTooLarge: Counter
    private let notFound: [PeerNotFoundReason: Counter]

    /// Creates (or finds) the counters in `stats`.
    public init(stats: StatsStore) {
        let scope = stats.root.scope("metadata_exchange")
        alpnProtocolFound = scope.counter("alpn_protocol_found")
        alpnProtocolNotFound = scope.counter("alpn_protocol_not_found")
        initialHeaderNotFound = scope.counter("initial_header_not_found")
        headerNotFound = scope.counter("header_not_found")
        metadataAdded = scope.counter("metadata_added")
        payloadTooLarge = scope.counter("payload_too_large")
        let reasons = scope.scope("peer_not_found")
        var notFound: [PeerNotFoundReason: Counter] = [:]
        for reason in PeerNotFoundReason.allCases {
            notFound[reason] = reasons.counter(reason.rawValue)
        }
        self.notFound = notFound
    }

    func increment(_ counter: MetadataExchangeStateMachine.Counter) {
        switch counter {
        case .alpnProtocolFound: alpnProtocolFound.increment()
        case .alpnProtocolNotFound: alpnProtocolNotFound.increment()
        case .initialHeaderNotFound: initialHeaderNotFound.increment()
        case .headerNotFound: headerNotFound.increment()
        case .metadataAdded: metadataAdded.increment()
        case .payloadTooLarge: payloadTooLarge.increment()
        case .peerNotFound(let reason): notFound[reason]?.increment()
        }
    }

    /// The per-reason not-found counter.
    public func peerNotFound(_ reason: PeerNotFoundReason) -> Counter {
        notFound[reason]!
    }
}
