import NIOCore
import Relay

/// Makes TLS sockets from one prepared `TLSContext` (built once, off the event loops).
final class TLSTransportSocketFactory: TransportSocketFactory, Sendable {
    let implementsSecureTransport = true
    private let context: TLSContext
    private let stats: TLSStats
    private let autoHostSNI: Bool

    init(context: TLSContext, stats: TLSStats, autoHostSNI: Bool) {
        self.context = context
        self.stats = stats
        self.autoHostSNI = autoHostSNI
    }

    func makeTransportSocket(options: TransportSocketOptions) -> any TransportSocket {
        let isClient = context.role == .client
        var serverName = options.serverNameOverride
        if serverName == nil, isClient, autoHostSNI, let host = options.hostname, !host.isEmpty {
            serverName = host
        }
        do {
            let connection = try TLSConnection(context: context, serverName: serverName)
            return TLSTransportSocket(tls: connection, stats: stats, isClient: isClient)
        } catch {
            return FailedTransportSocket(reason: "\(error)", stats: stats)
        }
    }
}

/// A socket whose TLS state could not be created (OpenSSL out of memory): it fails the
/// connection as soon as it starts, and counts a connection error.
final class FailedTransportSocket: TransportSocket {
    let protocolName = "tls"
    let connectionInfo: TLSConnectionInfo? = nil
    private let reason: String
    private let stats: TLSStats
    private weak var callbacks: (any TransportSocketCallbacks)?

    init(reason: String, stats: TLSStats) {
        self.reason = reason
        self.stats = stats
    }

    func setCallbacks(_ callbacks: any TransportSocketCallbacks) { self.callbacks = callbacks }
    func onConnected() {
        stats.record(.connectionError)
        callbacks?.transportSocketFailed(reason)
    }
    func receiveFromNetwork(_ data: ByteBuffer) {}
    func receiveNetworkEOF() {}
    func write(_ plaintext: ByteBuffer) {}
    func shutdownWrite() {}
}

@available(*, unavailable)
extension FailedTransportSocket: Sendable {}

extension TLSConfigurationError: ConfigFieldError {
    public var configFieldPath: String? { fieldPath.isEmpty ? nil : fieldPath }
    public var fieldErrorMessage: String {
        openSSLErrors.isEmpty ? message : message + " (OpenSSL: " + openSSLErrors.joined(separator: "; ") + ")"
    }
}

extension DownstreamTLSContext {
    /// `envoy.transport_sockets.tls` with a `DownstreamTLSContext` (listener filter chains).
    public struct Factory: TransportSocketConfigFactory {
        public static let name: FilterName = "envoy.transport_sockets.tls"
        public static let typeURLs = ["type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"]

        /// Creates the factory.
        public init() {}

        public func makeFactory(_ config: DownstreamTLSContext, context: FactoryContext) throws -> any TransportSocketFactory {
            let tls = try TLSContext(configuration: config)
            return TLSTransportSocketFactory(context: tls, stats: TLSStats(scope: context.scope), autoHostSNI: false)
        }
    }
}

extension UpstreamTLSContext {
    /// `envoy.transport_sockets.tls` with an `UpstreamTLSContext` (clusters).
    public struct Factory: TransportSocketConfigFactory {
        public static let name: FilterName = "envoy.transport_sockets.tls"
        public static let typeURLs = ["type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"]

        /// Creates the factory.
        public init() {}

        public func makeFactory(_ config: UpstreamTLSContext, context: FactoryContext) throws -> any TransportSocketFactory {
            let tls = try TLSContext(configuration: config)
            return TLSTransportSocketFactory(context: tls, stats: TLSStats(scope: context.scope), autoHostSNI: config.autoHostSNI)
        }
    }
}
