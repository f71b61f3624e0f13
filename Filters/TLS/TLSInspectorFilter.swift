import NIOCore
import Relay

/// `envoy.filters.listener.tls_inspector`: reads (without consuming) the start of the
/// stream; a TLS ClientHello sets the transport protocol `tls`, the SNI and the offered ALPN
/// list for filter-chain matching. Anything else is plaintext.
///
/// - Note: Per accepted socket; confined to its event loop.
public final class TLSInspectorFilter: ListenerFilter {
    private let shared: TLSInspectorFilter.Shared
    private var callbacks: (any ListenerFilterCallbacks)?

    init(shared: TLSInspectorFilter.Shared) {
        self.shared = shared
    }

    public var maxReadBytes: Int { shared.config.maxClientHelloSize + 5 * 4 }

    public func onAccept(_ callbacks: any ListenerFilterCallbacks) -> FilterStatus {
        self.callbacks = callbacks
        return .stopIteration
    }

    public func onData(_ data: ByteBuffer) -> FilterStatus {
        guard let callbacks else { return .continue }
        switch shared.parser.parse(data) {
        case .needMoreData:
            return .stopIteration
        case .notTLS:
            shared.stats.tlsNotFound.increment()
            return .continue
        case .tls(let hello):
            let socket = callbacks.socket
            socket.detectedTransportProtocol = "tls"
            shared.stats.tlsFound.increment()
            shared.stats.bytesProcessed.record(Double(hello.bytesProcessed))
            if let name = hello.serverName, !name.isEmpty {
                socket.requestedServerName = name
                shared.stats.sniFound.increment()
            } else {
                shared.stats.sniNotFound.increment()
            }
            if hello.applicationProtocols.isEmpty {
                shared.stats.alpnNotFound.increment()
            } else {
                socket.requestedApplicationProtocols = hello.applicationProtocols
                shared.stats.alpnFound.increment()
            }
            return .continue
        case .tooLarge:
            shared.stats.clientHelloTooLarge.increment()
            callbacks.reject()
            return .stopIteration
        case .error:
            shared.stats.tlsNotFound.increment()
            if shared.config.closeConnectionOnClientHelloParsingErrors {
                callbacks.reject()
                return .stopIteration
            }
            return .continue
        }
    }
}

@available(*, unavailable)
extension TLSInspectorFilter: Sendable {}

extension TLSInspectorFilter {
    /// tls_inspector's config and stats, prepared once.
    public final class Shared: Sendable {
        let config: TLSInspectorConfig
        let parser: ClientHelloParser
        let stats: TLSInspectorStats

        init(config: TLSInspectorConfig, stats: StatsStore) {
            self.config = config
            self.parser = config.parser
            self.stats = TLSInspectorStats(scope: stats.root.scope("tls_inspector"))
        }
    }
}

/// `tls_inspector.*` stats.
struct TLSInspectorStats: Sendable {
    let clientHelloTooLarge: Counter
    let tlsFound: Counter
    let tlsNotFound: Counter
    let alpnFound: Counter
    let alpnNotFound: Counter
    let sniFound: Counter
    let sniNotFound: Counter
    let bytesProcessed: Histogram

    init(scope: StatsScope) {
        clientHelloTooLarge = scope.counter("client_hello_too_large")
        tlsFound = scope.counter("tls_found")
        tlsNotFound = scope.counter("tls_not_found")
        alpnFound = scope.counter("alpn_found")
        alpnNotFound = scope.counter("alpn_not_found")
        sniFound = scope.counter("sni_found")
        sniNotFound = scope.counter("sni_not_found")
        bytesProcessed = scope.histogram("bytes_processed")
    }
}

extension TLSInspectorFilter {
    /// Registers `envoy.filters.listener.tls_inspector`.
    public struct Factory: ListenerFilterFactory {
        public static let name: FilterName = "envoy.filters.listener.tls_inspector"
        public static let typeURLs = ["type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"]

        /// Creates the factory.
        public init() {}

        public func prepare(_ config: TLSInspectorConfig, context: FactoryContext) throws -> TLSInspectorFilter.Shared {
            TLSInspectorFilter.Shared(config: config, stats: context.stats)
        }

        public func makeListenerFilter(_ prepared: TLSInspectorFilter.Shared) -> any ListenerFilter {
            TLSInspectorFilter(shared: prepared)
        }
    }
}
