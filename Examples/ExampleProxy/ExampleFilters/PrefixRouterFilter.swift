import NIOCore
import Relay

/// An example "sniff, then route" filter: it reads the first four bytes of a connection,
/// picks the upstream cluster by them, tells tcp_proxy through the well-known
/// `envoy.tcp_proxy.cluster` filter state (``Relay/FilterStateKey/tcpProxyCluster``), and
/// lets the bytes through unchanged. It goes in front of `envoy.filters.network.tcp_proxy`.
///
/// How it cooperates with tcp_proxy:
/// - `onNewConnection` returns `.stopIteration`, so tcp_proxy's own `onNewConnection` (which
///   picks the cluster and connects) waits until the prefix is known.
/// - `onData` leaves the bytes in the buffer and stops while fewer than four have arrived;
///   the connection keeps them and re-presents them with the next bytes.
/// - With four bytes it sets the cluster and returns `.continue`: the same pass goes on into
///   tcp_proxy, which now connects to that cluster and holds the bytes until it is connected.
/// - Bytes are re-presented to the filters in front of one that stops, so once the decision is
///   made every later `onData` simply continues.
/// - A client that sends fewer than four bytes and then its FIN (or an unknown prefix) goes to
///   `default_cluster`, or is closed when there is none.
/// - With `receive_before_connect: true` it also sets `envoy.tcp_proxy.receive_before_connect`,
///   so tcp_proxy keeps reading while it connects (what Envoy needs for this pattern; Relay's
///   tcp_proxy works either way).
public final class PrefixRouterFilter: ReadFilter {
    /// How many bytes decide the route.
    public static let prefixLength = 4

    private let shared: Shared
    private var callbacks: (any ReadFilterCallbacks)!
    private var decided = false

    init(shared: Shared) {
        self.shared = shared
    }

    public func initialize(callbacks: any ReadFilterCallbacks) {
        self.callbacks = callbacks
        if shared.receiveBeforeConnect {
            // Envoy's way (portable to Envoy): tcp_proxy keeps reading while it connects.
            try? callbacks.connection.filterState.set(.tcpProxyReceiveBeforeConnect, true)
        }
    }

    public func onNewConnection() -> FilterStatus {
        // Hold tcp_proxy back until the prefix has picked its cluster.
        .stopIteration
    }

    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        if decided { return .continue }
        let length = Self.prefixLength
        if data.readableBytes < length && !endStream {
            // Not enough yet: keep the bytes in the connection's buffer and wait for more.
            return .stopIteration
        }
        let prefix = data.getBytes(at: data.readerIndex, length: min(length, data.readableBytes)) ?? []
        guard let cluster = shared.routes[prefix] ?? shared.defaultCluster else {
            shared.stats.noRoute.increment()
            callbacks.connection.close(.noFlush)
            return .stopIteration
        }
        do {
            try callbacks.connection.filterState.set(.tcpProxyCluster, cluster)
        } catch {
            // Someone already fixed the cluster read-only (a listener filter): theirs wins.
        }
        decided = true
        shared.stats.routed.increment()
        return .continue
    }
}

@available(*, unavailable)
extension PrefixRouterFilter: Sendable {}

extension PrefixRouterFilter {
    /// One route: connections whose first four bytes are `prefix` go to `cluster`.
    public struct Route: Decodable, Sendable, Hashable {
        /// Exactly four bytes of UTF-8 text.
        public var prefix: String
        /// A configured cluster's name.
        public var cluster: String

        /// Creates a route.
        public init(prefix: String, cluster: String) {
            self.prefix = prefix
            self.cluster = cluster
        }
    }

    /// The filter's typed config.
    ///
    /// ```yaml
    /// - name: example.prefix_router
    ///   typed_config:
    ///     "@type": type.googleapis.com/example.PrefixRouter
    ///     stat_prefix: sniff
    ///     routes:
    ///     - { prefix: ALFA, cluster: alpha }
    ///     - { prefix: BETA, cluster: beta }
    ///     default_cluster: alpha
    ///     receive_before_connect: false
    /// ```
    public struct Config: Decodable, Sendable, Hashable {
        /// Stats root: `prefix_router.<stat_prefix>.`.
        public var statPrefix: String
        /// The routes, each with a distinct prefix.
        public var routes: [Route]
        /// Where an unknown or short prefix goes; unset closes such connections.
        public var defaultCluster: String?
        /// Set `envoy.tcp_proxy.receive_before_connect` for tcp_proxy (default false).
        public var receiveBeforeConnect: Bool?

        enum CodingKeys: String, CodingKey {
            case statPrefix = "stat_prefix"
            case routes
            case defaultCluster = "default_cluster"
            case receiveBeforeConnect = "receive_before_connect"
        }

        /// Creates a config.
        public init(statPrefix: String, routes: [Route], defaultCluster: String? = nil, receiveBeforeConnect: Bool = false) {
            self.statPrefix = statPrefix
            self.routes = routes
            self.defaultCluster = defaultCluster
            self.receiveBeforeConnect = receiveBeforeConnect
        }
    }

    /// The filter's stats, under `prefix_router.<stat_prefix>.`.
    public struct Stats: Sendable {
        /// Connections given a cluster (`routed`).
        public let routed: Counter
        /// Connections closed because nothing matched and there is no default (`no_route`).
        public let noRoute: Counter
    }

    /// The prepared routes, shared by every connection of one filter chain.
    public final class Shared: Sendable {
        let routes: [[UInt8]: String]
        let defaultCluster: String?
        let receiveBeforeConnect: Bool
        /// The chain's stats.
        public let stats: Stats

        init(routes: [[UInt8]: String], defaultCluster: String?, receiveBeforeConnect: Bool, stats: Stats) {
            self.routes = routes
            self.defaultCluster = defaultCluster
            self.receiveBeforeConnect = receiveBeforeConnect
            self.stats = stats
        }
    }

    /// Registers the filter as `example.prefix_router`.
    public struct Factory: NetworkFilterFactory {
        public static let name: FilterName = "example.prefix_router"
        public static let typeURLs = ["type.googleapis.com/example.PrefixRouter"]

        /// Creates the factory.
        public init() {}

        /// Checks every prefix is four bytes and every cluster exists, once, at load.
        public func prepare(_ config: Config, context: FactoryContext) throws -> Shared {
            guard !config.statPrefix.isEmpty else {
                throw FilterConfigError("stat_prefix must not be empty", field: "stat_prefix")
            }
            guard !config.routes.isEmpty else {
                throw FilterConfigError("routes needs at least one route", field: "routes")
            }
            var routes: [[UInt8]: String] = [:]
            for (index, route) in config.routes.enumerated() {
                let prefix = Array(route.prefix.utf8)
                guard prefix.count == PrefixRouterFilter.prefixLength else {
                    throw FilterConfigError(
                        "prefix must be exactly \(PrefixRouterFilter.prefixLength) bytes, got \(prefix.count)",
                        field: "routes[\(index)].prefix"
                    )
                }
                guard routes[prefix] == nil else {
                    throw FilterConfigError("duplicate prefix '\(route.prefix)'", field: "routes[\(index)].prefix")
                }
                guard context.clusterManager.cluster(named: route.cluster) != nil else {
                    throw FilterConfigError("unknown cluster '\(route.cluster)'", field: "routes[\(index)].cluster")
                }
                routes[prefix] = route.cluster
            }
            if let fallback = config.defaultCluster, context.clusterManager.cluster(named: fallback) == nil {
                throw FilterConfigError("unknown cluster '\(fallback)'", field: "default_cluster")
            }
            let scope = context.stats.root.scope("prefix_router").scope(config.statPrefix)
            let stats = Stats(routed: scope.counter("routed"), noRoute: scope.counter("no_route"))
            return Shared(
                routes: routes,
                defaultCluster: config.defaultCluster,
                receiveBeforeConnect: config.receiveBeforeConnect ?? false,
                stats: stats
            )
        }

        public func makeFilters(_ prepared: Shared, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(PrefixRouterFilter(shared: prepared))
        }
    }
}
