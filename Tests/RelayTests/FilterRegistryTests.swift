import Logging
import NIOCore
import Relay
import RelayTestKit
import Testing

/// The explicit registry: lookup by `@type` or name, categories, terminal filters, and
/// preparing a config through ``TypedConfigDecoding``.
@Suite("FilterRegistry")
struct FilterRegistryTests {
    // MARK: - Fakes

    /// Prepends a configured prefix to what it reads. Validates its config in `prepare` and
    /// counts prepared chains in the context's scope.
    struct PrefixFactory: NetworkFilterFactory {
        struct Config: Decodable, Sendable {
            var prefix: String
        }

        struct Prepared: Sendable {
            var prefix: String
        }

        static let name: FilterName = "test.prefix"
        static let typeURLs = ["type.googleapis.com/test.Prefix", "type.googleapis.com/test.v2.Prefix"]

        func prepare(_ config: Config, context: FactoryContext) throws -> Prepared {
            guard !config.prefix.isEmpty else {
                throw FilterConfigError("prefix must not be empty", field: "prefix")
            }
            context.scope.counter("prefix.prepared").increment()
            return Prepared(prefix: config.prefix)
        }

        func makeFilters(_ prepared: Prepared, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(PrefixFilter(prefix: prepared.prefix))
        }
    }

    final class PrefixFilter: ReadFilter {
        let prefix: String
        init(prefix: String) { self.prefix = prefix }
        func initialize(callbacks: any ReadFilterCallbacks) {}
        func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
            var out = ByteBuffer(string: prefix)
            out.writeBuffer(&data)
            data = out
            return .continue
        }
    }

    /// A terminal filter with no config (`Prepared == Config`, default `prepare`).
    struct SinkFactory: NetworkFilterFactory {
        typealias Config = EmptyConfig
        static let name: FilterName = "test.sink"
        static let typeURLs = ["type.googleapis.com/test.Sink"]
        static let isTerminal = true

        func makeFilters(_ prepared: EmptyConfig, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(PrefixFilter(prefix: ""))
        }
    }

    /// A second factory whose name collides with ``PrefixFactory``'s but whose `@type` differs.
    struct ImpostorFactory: NetworkFilterFactory {
        typealias Config = EmptyConfig
        static let name: FilterName = "test.prefix"
        static let typeURLs = ["type.googleapis.com/test.Impostor"]
        func makeFilters(_ prepared: EmptyConfig, into chain: inout FilterChainBuilder) {}
    }

    final class NoopListenerFilter: ListenerFilter {
        func onAccept(_ callbacks: any ListenerFilterCallbacks) -> FilterStatus { .continue }
    }

    struct InspectorFactory: ListenerFilterFactory {
        typealias Config = EmptyConfig
        static let name: FilterName = "test.inspector"
        static let typeURLs = ["type.googleapis.com/test.Inspector"]
        func makeListenerFilter(_ prepared: EmptyConfig) -> any ListenerFilter { NoopListenerFilter() }
    }

    struct FakeSocketFactory: TransportSocketFactory {
        var implementsSecureTransport: Bool { false }
        func makeTransportSocket(options: TransportSocketOptions) -> any TransportSocket {
            preconditionFailure("not used by these tests")
        }
    }

    struct RawFactory: TransportSocketConfigFactory {
        typealias Config = EmptyConfig
        static let name: FilterName = "test.raw"
        static let typeURLs = ["type.googleapis.com/test.Raw"]
        func makeFactory(_ config: EmptyConfig, context: FactoryContext) throws -> any TransportSocketFactory {
            FakeSocketFactory()
        }
    }

    private func makeContext(_ store: StatsStore = StatsStore()) -> FactoryContext {
        FactoryContext(
            stats: store,
            scope: store.root.scope("listener", taggedValue: "test", tagName: "envoy.listener_address"),
            clusterManager: NoClusters(),
            localInfo: LocalInfo(),
            listenerName: "test",
            logger: Logger(label: "relay.tests")
        )
    }

    private func makeRegistry() -> FilterRegistry {
        var registry = FilterRegistry()
        registry.register(PrefixFactory())
        registry.register(SinkFactory())
        return registry
    }

    // MARK: - Lookup

    @Test("lookup by @type, any of a factory's type URLs")
    func lookupByType() throws {
        let registry = makeRegistry()
        let entry = try #require(registry.lookup(.networkFilter, name: "whatever", typeURL: "type.googleapis.com/test.Prefix"))
        #expect(entry.name == PrefixFactory.name)
        let v2 = try #require(registry.lookup(.networkFilter, name: "", typeURL: "type.googleapis.com/test.v2.Prefix"))
        #expect(v2.name == PrefixFactory.name)
        #expect(v2.typeURLs == PrefixFactory.typeURLs)
    }

    @Test("lookup by name when the config has no @type")
    func lookupByName() throws {
        let registry = makeRegistry()
        let entry = try #require(registry.lookup(.networkFilter, name: "test.sink", typeURL: nil))
        #expect(entry.name == "test.sink")
        #expect(registry.lookup(.networkFilter, name: "test.unknown", typeURL: nil) == nil)
    }

    @Test("@type wins over the name")
    func typeWinsOverName() throws {
        var registry = makeRegistry()
        registry.register(ImpostorFactory())
        let byType = try #require(registry.lookup(.networkFilter, name: "test.sink", typeURL: "type.googleapis.com/test.Impostor"))
        #expect(byType.typeURLs == ImpostorFactory.typeURLs)
        let prefix = try #require(registry.lookup(.networkFilter, name: "test.sink", typeURL: "type.googleapis.com/test.Prefix"))
        #expect(prefix.typeURLs == PrefixFactory.typeURLs)
    }

    @Test("an unknown @type finds nothing, even if the name is registered")
    func unknownTypeNoFallback() {
        let registry = makeRegistry()
        #expect(registry.lookup(.networkFilter, name: "test.prefix", typeURL: "type.googleapis.com/test.Nope") == nil)
    }

    @Test("categories are separate")
    func categoriesSeparate() throws {
        var registry = FilterRegistry()
        registry.register(PrefixFactory())
        registry.register(upstream: SinkFactory())
        registry.register(InspectorFactory())
        registry.register(downstream: RawFactory())

        #expect(registry.lookup(.networkFilter, name: "test.prefix", typeURL: nil) != nil)
        #expect(registry.lookup(.upstreamNetworkFilter, name: "test.prefix", typeURL: nil) == nil)
        #expect(registry.lookup(.upstreamNetworkFilter, name: "test.sink", typeURL: nil) != nil)
        #expect(registry.lookup(.networkFilter, name: "test.sink", typeURL: nil) == nil)
        #expect(registry.lookup(.listenerFilter, name: "test.inspector", typeURL: nil) != nil)
        #expect(registry.lookup(.networkFilter, name: "test.inspector", typeURL: nil) == nil)
        #expect(registry.lookup(.downstreamTransportSocket, name: "test.raw", typeURL: "type.googleapis.com/test.Raw") != nil)
        #expect(registry.lookup(.upstreamTransportSocket, name: "test.raw", typeURL: "type.googleapis.com/test.Raw") == nil)

        #expect(registry.entries(.networkFilter).map(\.name) == ["test.prefix"])
        #expect(registry.entries(.upstreamTransportSocket).isEmpty)
        #expect(FilterRegistry.Category.allCases.count == 5)
    }

    @Test("registering the same factory again replaces it instead of duplicating it")
    func reRegisterReplaces() {
        var registry = makeRegistry()
        registry.register(PrefixFactory())
        #expect(registry.entries(.networkFilter).map(\.name) == ["test.sink", "test.prefix"])
    }

    @Test("the terminal flag comes from the factory, on the entry and the prepared filter")
    func terminalFlag() throws {
        let registry = makeRegistry()
        let sink = try #require(registry.lookup(.networkFilter, name: "test.sink", typeURL: nil))
        let prefix = try #require(registry.lookup(.networkFilter, name: "test.prefix", typeURL: nil))
        #expect(sink.isTerminal)
        #expect(!prefix.isTerminal)
        guard case .networkFilter(let prepared) = try registry.prepare(sink, config: JSONTypedConfig("{}"), context: makeContext()) else {
            Issue.record("expected a network filter")
            return
        }
        #expect(prepared.isTerminal)
        #expect(prepared.name == "test.sink")
    }

    // MARK: - Preparing

    @Test("prepare decodes the typed config, runs the factory once, and installs per connection")
    func prepareAndInstall() throws {
        let store = StatsStore()
        let registry = makeRegistry()
        let entry = try #require(registry.lookup(.networkFilter, name: "", typeURL: "type.googleapis.com/test.Prefix"))
        let extensionValue = try registry.prepare(entry, config: JSONTypedConfig(#"{"prefix": ">> "}"#), context: makeContext(store))
        guard case .networkFilter(let prepared) = extensionValue else {
            Issue.record("expected a network filter")
            return
        }
        #expect(prepared.name == "test.prefix")
        #expect(store.existingCounter("listener.test.prefix.prepared")?.value == 1)

        // Two connections get two filters from the one prepared config.
        for payload in ["one", "two"] {
            let harness = FilterHarness { chain in prepared.install(into: &chain) }
            harness.receive(payload)
            #expect(harness.forwardedString == ">> " + payload)
        }
        #expect(store.existingCounter("listener.test.prefix.prepared")?.value == 1)
    }

    @Test("a decoding error from TypedConfigDecoding propagates")
    func decodeErrorPropagates() throws {
        let registry = makeRegistry()
        let entry = try #require(registry.lookup(.networkFilter, name: "test.prefix", typeURL: nil))
        #expect(throws: DecodingError.self) {
            try registry.prepare(entry, config: JSONTypedConfig(#"{"prefix": 7}"#), context: makeContext())
        }
    }

    @Test("a factory's FilterConfigError propagates with its field")
    func configErrorPropagates() throws {
        let registry = makeRegistry()
        let entry = try #require(registry.lookup(.networkFilter, name: "test.prefix", typeURL: nil))
        let error = try #require(throws: FilterConfigError.self) {
            try registry.prepare(entry, config: JSONTypedConfig(#"{"prefix": ""}"#), context: makeContext())
        }
        #expect(error.field == "prefix")
        #expect(error.description == "prefix must not be empty")
    }

    @Test("listener filters and transport sockets prepare into their own kinds")
    func otherKinds() throws {
        var registry = FilterRegistry()
        registry.register(InspectorFactory())
        registry.register(upstream: RawFactory())
        let inspector = try #require(registry.lookup(.listenerFilter, name: "test.inspector", typeURL: nil))
        guard case .listenerFilter(let listener) = try registry.prepare(inspector, config: JSONTypedConfig("{}"), context: makeContext()) else {
            Issue.record("expected a listener filter")
            return
        }
        #expect(listener.name == "test.inspector")
        #expect(listener.makeFilter() !== listener.makeFilter())
        #expect(!inspector.isTerminal)

        let raw = try #require(registry.lookup(.upstreamTransportSocket, name: "", typeURL: "type.googleapis.com/test.Raw"))
        guard case .transportSocket(let factory) = try registry.prepare(raw, config: JSONTypedConfig("{}"), context: makeContext()) else {
            Issue.record("expected a transport socket factory")
            return
        }
        #expect(factory.implementsSecureTransport == false)
    }

    @Test("filter names compare by their raw value and print as it")
    func filterNames() {
        let name: FilterName = "envoy.filters.network.tcp_proxy"
        #expect(name == FilterName("envoy.filters.network.tcp_proxy"))
        #expect(name.description == "envoy.filters.network.tcp_proxy")
    }
}
