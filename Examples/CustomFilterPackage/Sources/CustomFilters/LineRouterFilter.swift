import NIOCore
import Relay

/// Sniff, then route: the client's first line (`beta\n`) names a route; the filter picks that
/// route's cluster for tcp_proxy through the well-known `envoy.tcp_proxy.cluster` filter
/// state, removes the line, and lets the rest of the bytes through. It goes in front of
/// `envoy.filters.network.tcp_proxy`. An unknown route, a line longer than `max_line_bytes`
/// or a FIN before the newline gets `no route\n` and a close.
///
/// ```yaml
/// - name: custom.line_router
///   typed_config:
///     "@type": type.googleapis.com/custom.LineRouter
///     stat_prefix: lines
///     routes:
///     - { name: alpha, cluster: alpha }
///     - { name: beta, cluster: beta }
///     max_line_bytes: 64        # default 64
/// ```
public final class LineRouterFilter: ReadFilter {
    private let shared: Shared
    private var callbacks: (any ReadFilterCallbacks)!
    private var decided = false

    init(shared: Shared) {
        self.shared = shared
    }

    public func initialize(callbacks: any ReadFilterCallbacks) {
        self.callbacks = callbacks
    }

    public func onNewConnection() -> FilterStatus {
        // tcp_proxy (after us) picks its cluster in its own onNewConnection: hold it back.
        .stopIteration
    }

    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        // Bytes are re-presented to the filters in front of one that stops (tcp_proxy while it
        // connects): decide once, then let everything through.
        if decided { return .continue }
        let view = data.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > shared.maxLineBytes || endStream { return reject() }
            return .stopIteration                      // leave the bytes; they come back with more
        }
        let length = newline - view.startIndex
        guard length <= shared.maxLineBytes, var name = data.readString(length: length) else { return reject() }
        data.moveReaderIndex(forwardBy: 1)             // the newline
        if name.hasSuffix("\r") { name.removeLast() }
        guard let cluster = shared.routes[name] else { return reject() }
        do {
            try callbacks.connection.filterState.set(.tcpProxyCluster, cluster)
        } catch {
            // A listener filter already fixed the cluster read-only: theirs wins.
        }
        decided = true
        shared.stats.routed.increment()
        return .continue                               // tcp_proxy starts now, toward `cluster`
    }

    private func reject() -> FilterStatus {
        shared.stats.noRoute.increment()
        callbacks.connection.write(ByteBuffer(string: "no route\n"))
        callbacks.connection.close(.flushWrite)
        return .stopIteration
    }
}

@available(*, unavailable)
extension LineRouterFilter: Sendable {}

extension LineRouterFilter {
    /// One route: a first line equal to `name` goes to `cluster`.
    public struct Route: Decodable, Sendable, Hashable {
        /// The first line's text, without the newline.
        public var name: String
        /// A configured cluster's name.
        public var cluster: String
    }

    /// The typed config.
    public struct Config: Decodable, Sendable, Hashable {
        /// Stats root: `line_router.<stat_prefix>.`.
        public var statPrefix: String
        /// The routes, each with a distinct name.
        public var routes: [Route]
        /// The longest first line accepted, without the newline (default 64).
        public var maxLineBytes: Int?

        enum CodingKeys: String, CodingKey {
            case statPrefix = "stat_prefix"
            case routes
            case maxLineBytes = "max_line_bytes"
        }
    }

    /// The filter's counters, under `line_router.<stat_prefix>.`.
    public struct Stats: Sendable {
        /// Connections given a cluster (`routed`).
        public let routed: Counter
        /// Connections refused (`no_route`).
        public let noRoute: Counter
    }

    /// The prepared routes, shared by every connection of one filter chain.
    public final class Shared: Sendable {
        let routes: [String: String]
        let maxLineBytes: Int
        /// The chain's counters.
        public let stats: Stats

        init(routes: [String: String], maxLineBytes: Int, stats: Stats) {
            self.routes = routes
            self.maxLineBytes = maxLineBytes
            self.stats = stats
        }
    }

    /// Registers the filter as `custom.line_router`.
    public struct Factory: NetworkFilterFactory {
        public static let name: FilterName = "custom.line_router"
        public static let typeURLs = ["type.googleapis.com/custom.LineRouter"]

        /// Creates the factory.
        public init() {}

        /// Checks the routes once, at load: distinct names, clusters that exist.
        public func prepare(_ config: Config, context: FactoryContext) throws -> Shared {
            guard !config.statPrefix.isEmpty else {
                throw FilterConfigError("stat_prefix must not be empty", field: "stat_prefix")
            }
            guard !config.routes.isEmpty else {
                throw FilterConfigError("routes needs at least one route", field: "routes")
            }
            let maxLineBytes = config.maxLineBytes ?? 64
            guard maxLineBytes > 0 else {
                throw FilterConfigError("max_line_bytes must be positive", field: "max_line_bytes")
            }
            var routes: [String: String] = [:]
            for (index, route) in config.routes.enumerated() {
                guard routes[route.name] == nil else {
                    throw FilterConfigError("duplicate route '\(route.name)'", field: "routes[\(index)].name")
                }
                guard context.clusterManager.cluster(named: route.cluster) != nil else {
                    throw FilterConfigError("unknown cluster '\(route.cluster)'", field: "routes[\(index)].cluster")
                }
                routes[route.name] = route.cluster
            }
            let scope = context.stats.root.scope("line_router").scope(config.statPrefix)
            return Shared(
                routes: routes,
                maxLineBytes: maxLineBytes,
                stats: Stats(routed: scope.counter("routed"), noRoute: scope.counter("no_route"))
            )
        }

        public func makeFilters(_ prepared: Shared, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(LineRouterFilter(shared: prepared))
        }
    }
}
