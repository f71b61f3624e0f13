/// Makes one kind of network filter: owns its name, its `@type`, its typed config, and the
/// per-connection filter objects.
///
/// ``prepare(_:context:)`` runs once per filter chain at config load, off the event loops;
/// ``makeFilters(_:into:)`` runs once per connection on its loop and should only allocate the
/// small per-connection filter.
public protocol NetworkFilterFactory: Sendable {
    /// The config as written under `typed_config`.
    associatedtype Config: Decodable & Sendable
    /// The shared, immutable runtime config built from ``Config``.
    associatedtype Prepared: Sendable = Config

    /// The filter's registered name.
    static var name: FilterName { get }
    /// The `@type` URLs this factory accepts.
    static var typeURLs: [String] { get }
    /// Whether the filter ends a chain (it must be last).
    static var isTerminal: Bool { get }

    /// Validates `config` and builds the shared runtime config.
    func prepare(_ config: Config, context: FactoryContext) throws -> Prepared

    /// Adds this filter's per-connection objects to a new connection.
    func makeFilters(_ prepared: Prepared, into chain: inout FilterChainBuilder)
}

extension NetworkFilterFactory {
    public static var isTerminal: Bool { false }
}

extension NetworkFilterFactory where Prepared == Config {
    public func prepare(_ config: Config, context: FactoryContext) throws -> Config { config }
}

/// Adds filters to one new connection.
public struct FilterChainBuilder {
    /// The connection being built.
    public let connection: NetworkConnection

    /// Wraps a connection.
    public init(connection: NetworkConnection) {
        self.connection = connection
    }

    /// Appends a read filter.
    public func addReadFilter(_ filter: any ReadFilter) {
        connection.addReadFilter(filter)
    }

    /// Adds a write filter (it sees writes before earlier ones).
    public func addWriteFilter(_ filter: any WriteFilter) {
        connection.addWriteFilter(filter)
    }

    /// Adds one filter to both chains.
    public func addFilter(_ filter: any NetworkFilter) {
        connection.addFilter(filter)
    }
}

@available(*, unavailable)
extension FilterChainBuilder: Sendable {}

/// Makes one kind of listener filter.
public protocol ListenerFilterFactory: Sendable {
    /// The config as written under `typed_config`.
    associatedtype Config: Decodable & Sendable
    /// The shared runtime config.
    associatedtype Prepared: Sendable = Config

    /// The filter's registered name.
    static var name: FilterName { get }
    /// The `@type` URLs this factory accepts.
    static var typeURLs: [String] { get }

    /// Validates `config` and builds the shared runtime config.
    func prepare(_ config: Config, context: FactoryContext) throws -> Prepared

    /// A filter for one accepted socket.
    func makeListenerFilter(_ prepared: Prepared) -> any ListenerFilter
}

extension ListenerFilterFactory where Prepared == Config {
    public func prepare(_ config: Config, context: FactoryContext) throws -> Config { config }
}

/// Makes transport-socket factories (`envoy.transport_sockets.tls`, `raw_buffer`).
public protocol TransportSocketConfigFactory: Sendable {
    /// The config as written under `typed_config`.
    associatedtype Config: Decodable & Sendable

    /// The transport socket's registered name.
    static var name: FilterName { get }
    /// The `@type` URLs this factory accepts.
    static var typeURLs: [String] { get }

    /// Builds the per-chain or per-cluster socket factory (may be expensive; off the loops).
    func makeFactory(_ config: Config, context: FactoryContext) throws -> any TransportSocketFactory
}

/// An empty config, for filters that take no settings.
public struct EmptyConfig: Decodable, Sendable, Hashable {
    /// Creates an empty config.
    public init() {}
}
