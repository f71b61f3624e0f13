import NIOCore
import Relay
import Synchronization

/// An example custom filter: caps the number of concurrent connections through a filter
/// chain (like Envoy's `connection_limit`), optionally sending a refusal line first.
///
/// It shows the three pieces a filter author writes: a typed config, a factory that builds
/// shared `Sendable` state once per chain, and a small per-connection object.
public final class ConnectionLimitFilter: ReadFilter, ConnectionCallbacks {
    private let shared: Shared
    private var callbacks: (any ReadFilterCallbacks)!
    private var counted = false

    init(shared: Shared) {
        self.shared = shared
    }

    public func initialize(callbacks: any ReadFilterCallbacks) {
        self.callbacks = callbacks
        callbacks.connection.addConnectionCallbacks(self)
    }

    public func onNewConnection() -> FilterStatus {
        guard shared.tryAcquire() else {
            shared.stats.limited.increment()
            if let refusal = shared.refusal {
                callbacks.connection.write(refusal)
            }
            callbacks.connection.close(.flushWrite)
            return .stopIteration
        }
        counted = true
        shared.stats.active.increment()
        return .continue
    }

    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        .continue
    }

    public func onEvent(_ event: ConnectionEvent) {
        guard counted, event == .localClose || event == .remoteClose else { return }
        counted = false
        shared.release()
        shared.stats.active.decrement()
    }
}

@available(*, unavailable)
extension ConnectionLimitFilter: Sendable {}

extension ConnectionLimitFilter {
    /// The filter's typed config.
    public struct Config: Decodable, Sendable {
        /// Stats root: `connection_limit.<stat_prefix>.`.
        public var statPrefix: String
        /// The most connections open at once.
        public var maxConnections: Int
        /// A line written to refused connections before they are closed.
        public var refusalMessage: String?

        enum CodingKeys: String, CodingKey {
            case statPrefix = "stat_prefix"
            case maxConnections = "max_connections"
            case refusalMessage = "refusal_message"
        }

        /// Creates a config.
        public init(statPrefix: String, maxConnections: Int, refusalMessage: String? = nil) {
            self.statPrefix = statPrefix
            self.maxConnections = maxConnections
            self.refusalMessage = refusalMessage
        }
    }

    /// The filter's stats.
    public struct Stats: Sendable {
        /// Connections refused.
        public let limited: Counter
        /// Connections open now.
        public let active: Gauge
    }

    /// State shared by every connection of one filter chain.
    public final class Shared: Sendable {
        let maxConnections: Int
        let refusal: ByteBuffer?
        /// The chain's stats.
        public let stats: Stats
        private let open = Atomic<Int>(0)

        init(config: Config, scope: StatsScope) {
            maxConnections = config.maxConnections
            refusal = config.refusalMessage.map { ByteBuffer(string: $0 + "\n") }
            let chainScope = scope.scope("connection_limit").scope(config.statPrefix)
            stats = Stats(limited: chainScope.counter("limited_connections"), active: chainScope.gauge("active_connections"))
        }

        func tryAcquire() -> Bool {
            let now = open.wrappingAdd(1, ordering: .relaxed).newValue
            if now > maxConnections {
                open.wrappingSubtract(1, ordering: .relaxed)
                return false
            }
            return true
        }

        func release() {
            open.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    /// Registers the filter as `example.connection_limit`.
    public struct Factory: NetworkFilterFactory {
        public static let name: FilterName = "example.connection_limit"
        public static let typeURLs = ["type.googleapis.com/example.ConnectionLimit"]

        /// Creates the factory.
        public init() {}

        public func prepare(_ config: Config, context: FactoryContext) throws -> Shared {
            guard !config.statPrefix.isEmpty else { throw FilterConfigError("stat_prefix must not be empty", field: "stat_prefix") }
            guard config.maxConnections >= 1 else {
                throw FilterConfigError("max_connections must be at least 1, got \(config.maxConnections)", field: "max_connections")
            }
            return Shared(config: config, scope: context.stats.root)
        }

        public func makeFilters(_ prepared: Shared, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(ConnectionLimitFilter(shared: prepared))
        }
    }
}
