import NIOCore
import Relay

/// One filter chain, prepared at config load: its filters, transport socket and timeouts.
final class FilterChainRuntime: Sendable {
    let name: String
    let filters: [PreparedNetworkFilter]
    let transportSocketFactory: (any TransportSocketFactory)?
    let transportSocketConnectTimeout: TimeAmount?

    init(
        name: String,
        filters: [PreparedNetworkFilter],
        transportSocketFactory: (any TransportSocketFactory)?,
        transportSocketConnectTimeout: TimeAmount?
    ) {
        self.name = name
        self.filters = filters
        self.transportSocketFactory = transportSocketFactory
        self.transportSocketConnectTimeout = transportSocketConnectTimeout
    }
}
