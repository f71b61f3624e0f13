import IstioPeer
import Logging
import NIOCore
import Relay

/// Which side of the proxy a metadata-exchange filter is on.
public enum MetadataExchangeDirection: String, Sendable, Hashable {
    /// On a listener filter chain: exchanges with the downstream client.
    case downstream
    /// On a cluster (`filters`): exchanges with the upstream server.
    case upstream
}

extension MetadataExchangeFilter {
    /// A metadata-exchange config, prepared once: the frame this node sends is built here.
    public final class Shared: Sendable {
        let expectedProtocol: String
        let maxPayloadBytes: Int
        let additionalLabels: [String]
        let frame: ByteBuffer
        let stats: MetadataExchangeStats
        let direction: MetadataExchangeDirection
        let peerKey: FilterStateKey<PeerLookup>
        let logger: Logger

        init(config: MetadataExchangeConfig, direction: MetadataExchangeDirection, context: FactoryContext) throws {
            try config.validate()
            expectedProtocol = config.protocol
            maxPayloadBytes = config.maxPayloadBytes
            additionalLabels = config.additionalLabels
            let local = context.localInfo.workloadMetadata(additionalLabels: config.additionalLabels)
            frame = try PeerMetadataCodec.frame(for: local, nodeID: context.localInfo.nodeID)
            stats = MetadataExchangeStats(stats: context.stats)
            self.direction = direction
            peerKey = direction == .downstream ? .downstreamPeer : .upstreamPeer
            logger = context.logger
        }
    }
}

extension MetadataExchangeFilter {
    /// `envoy.filters.network.metadata_exchange`: the exchange with downstream peers.
    /// Istio names it `istio.metadata_exchange` and wraps the config in a TypedStruct.
    public struct Factory: NetworkFilterFactory {
        public static let name: FilterName = "envoy.filters.network.metadata_exchange"
        public static let typeURLs = ["type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange"]

        /// Creates the factory.
        public init() {}

        public func prepare(_ config: MetadataExchangeConfig, context: FactoryContext) throws -> MetadataExchangeFilter.Shared {
            try MetadataExchangeFilter.Shared(config: config, direction: .downstream, context: context)
        }

        public func makeFilters(_ prepared: MetadataExchangeFilter.Shared, into chain: inout FilterChainBuilder) {
            chain.addFilter(MetadataExchangeFilter(shared: prepared))
        }
    }
}

extension MetadataExchangeFilter {
    /// `envoy.filters.network.upstream.metadata_exchange`: the exchange with upstream peers,
    /// configured in a cluster's `filters`.
    public struct UpstreamFactory: NetworkFilterFactory {
        public static let name: FilterName = "envoy.filters.network.upstream.metadata_exchange"
        public static let typeURLs = ["type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange"]

        /// Creates the factory.
        public init() {}

        public func prepare(_ config: MetadataExchangeConfig, context: FactoryContext) throws -> MetadataExchangeFilter.Shared {
            try MetadataExchangeFilter.Shared(config: config, direction: .upstream, context: context)
        }

        public func makeFilters(_ prepared: MetadataExchangeFilter.Shared, into chain: inout FilterChainBuilder) {
            chain.addFilter(MetadataExchangeFilter(shared: prepared))
        }
    }
}
