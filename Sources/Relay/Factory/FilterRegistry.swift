/// Decodes a `typed_config` body into a factory's config type. The config loader implements
/// it over its YAML node (with `file:line:col` errors); tests may implement it directly.
public protocol TypedConfigDecoding {
    /// Decodes the body as `T`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T
}

/// The explicit list of filter and transport-socket factories a program can configure.
///
/// There is no registration by side effect: ``FilterRegistry`` starts empty, the bundled
/// filters add themselves through one list (`FilterRegistry.bundled` in `BundledFilters`), and
/// a user's program registers its own factories beside them.
public struct FilterRegistry: Sendable {
    /// Where an extension may be placed.
    public enum Category: String, Sendable, Hashable, CaseIterable {
        /// `filter_chains[].filters`.
        case networkFilter = "network filter"
        /// `clusters[].filters`.
        case upstreamNetworkFilter = "upstream network filter"
        /// `listener_filters`.
        case listenerFilter = "listener filter"
        /// `filter_chains[].transport_socket`.
        case downstreamTransportSocket = "downstream transport socket"
        /// `clusters[].transport_socket`.
        case upstreamTransportSocket = "upstream transport socket"
    }

    /// A registered extension, type-erased.
    public struct Entry: Sendable {
        /// Its name.
        public let name: FilterName
        /// Its accepted `@type` URLs.
        public let typeURLs: [String]
        /// Whether it must end a chain.
        public let isTerminal: Bool
        let build: @Sendable (any TypedConfigDecoding, FactoryContext) throws -> PreparedExtension
    }

    private var entries: [Category: [Entry]] = [:]

    /// An empty registry.
    public init() {}

    /// Registers a downstream network filter.
    public mutating func register<F: NetworkFilterFactory>(_ factory: F) {
        add(networkEntry(factory), to: .networkFilter)
    }

    /// Registers an upstream (cluster) network filter.
    public mutating func register<F: NetworkFilterFactory>(upstream factory: F) {
        add(networkEntry(factory), to: .upstreamNetworkFilter)
    }

    /// Registers a listener filter.
    public mutating func register<F: ListenerFilterFactory>(_ factory: F) {
        let entry = Entry(name: F.name, typeURLs: F.typeURLs, isTerminal: false) { decoder, context in
            let config = try decoder.decode(F.Config.self)
            let prepared = try factory.prepare(config, context: context)
            return .listenerFilter(PreparedListenerFilter(name: F.name) { factory.makeListenerFilter(prepared) })
        }
        add(entry, to: .listenerFilter)
    }

    /// Registers a transport socket for listener filter chains.
    public mutating func register<F: TransportSocketConfigFactory>(downstream factory: F) {
        add(transportEntry(factory), to: .downstreamTransportSocket)
    }

    /// Registers a transport socket for clusters.
    public mutating func register<F: TransportSocketConfigFactory>(upstream factory: F) {
        add(transportEntry(factory), to: .upstreamTransportSocket)
    }

    private func networkEntry<F: NetworkFilterFactory>(_ factory: F) -> Entry {
        Entry(name: F.name, typeURLs: F.typeURLs, isTerminal: F.isTerminal) { decoder, context in
            let config = try decoder.decode(F.Config.self)
            let prepared = try factory.prepare(config, context: context)
            return .networkFilter(
                PreparedNetworkFilter(name: F.name, isTerminal: F.isTerminal) { chain in
                    factory.makeFilters(prepared, into: &chain)
                }
            )
        }
    }

    private func transportEntry<F: TransportSocketConfigFactory>(_ factory: F) -> Entry {
        Entry(name: F.name, typeURLs: F.typeURLs, isTerminal: false) { decoder, context in
            let config = try decoder.decode(F.Config.self)
            return .transportSocket(try factory.makeFactory(config, context: context))
        }
    }

    private mutating func add(_ entry: Entry, to category: Category) {
        var list = entries[category, default: []]
        list.removeAll { $0.name == entry.name && $0.typeURLs == entry.typeURLs }
        list.append(entry)
        entries[category] = list
    }

    /// Finds the extension for a config: by `@type` when there is one (Envoy's rule), else by
    /// name.
    public func lookup(_ category: Category, name: String, typeURL: String?) -> Entry? {
        let list = entries[category, default: []]
        if let typeURL {
            return list.first { $0.typeURLs.contains(typeURL) }
        }
        return list.first { $0.name.rawValue == name }
    }

    /// Every registered entry of a category (for errors listing what is known).
    public func entries(_ category: Category) -> [Entry] {
        entries[category, default: []]
    }

    /// Decodes and prepares an extension's config.
    public func prepare(_ entry: Entry, config: any TypedConfigDecoding, context: FactoryContext) throws
        -> PreparedExtension
    {
        try entry.build(config, context)
    }
}

/// A prepared extension of any category.
public enum PreparedExtension: Sendable {
    case networkFilter(PreparedNetworkFilter)
    case listenerFilter(PreparedListenerFilter)
    case transportSocket(any TransportSocketFactory)
}

/// A network filter ready to be installed on connections.
public struct PreparedNetworkFilter: Sendable {
    /// The filter's name.
    public let name: FilterName
    /// Whether it ends a chain.
    public let isTerminal: Bool
    private let install: @Sendable (inout FilterChainBuilder) -> Void

    /// Wraps an installer.
    public init(name: FilterName, isTerminal: Bool, install: @escaping @Sendable (inout FilterChainBuilder) -> Void) {
        self.name = name
        self.isTerminal = isTerminal
        self.install = install
    }

    /// Adds the filter's per-connection objects to `chain`.
    public func install(into chain: inout FilterChainBuilder) {
        install(&chain)
    }
}

/// A listener filter ready to be made per accepted socket.
public struct PreparedListenerFilter: Sendable {
    /// The filter's name.
    public let name: FilterName
    private let make: @Sendable () -> any ListenerFilter

    /// Wraps a maker.
    public init(name: FilterName, make: @escaping @Sendable () -> any ListenerFilter) {
        self.name = name
        self.make = make
    }

    /// A new filter for one socket.
    public func makeFilter() -> any ListenerFilter {
        make()
    }
}
