import NIOCore
import Relay

/// `envoy.filters.listener.http_inspector`: on a plaintext socket, reads (without consuming)
/// the first bytes; an HTTP/1.0, HTTP/1.1 request line or the h2c preface sets the requested
/// application protocol (`http/1.0`, `http/1.1`, `h2c`) for filter-chain matching. Anything
/// else continues unchanged. Skipped when a transport protocol other than `raw_buffer` was
/// already detected (e.g. `tls` by `tls_inspector`).
///
/// - Note: Per accepted socket; confined to its event loop.
public final class HTTPInspectorFilter: ListenerFilter {
    /// Envoy's `MAX_INSPECT_SIZE`: with no verdict after this many bytes the socket is closed.
    static let maxInspectSize = 64 * 1024

    private let shared: HTTPInspectorFilter.Shared
    private var callbacks: (any ListenerFilterCallbacks)?

    init(shared: HTTPInspectorFilter.Shared) {
        self.shared = shared
    }

    public var maxReadBytes: Int { callbacks == nil ? 0 : Self.maxInspectSize }

    public func onAccept(_ callbacks: any ListenerFilterCallbacks) -> FilterStatus {
        let transport = callbacks.socket.detectedTransportProtocol
        if !transport.isEmpty && transport != "raw_buffer" { return .continue }
        self.callbacks = callbacks
        return .stopIteration
    }

    public func onData(_ data: ByteBuffer) -> FilterStatus {
        guard let callbacks else { return .continue }
        let protocolName: String
        switch HTTPProtocolDetector.detect(data) {
        case .needMoreData:
            if data.readableBytes >= Self.maxInspectSize {
                shared.stats.readError.increment()
                callbacks.reject()
            }
            return .stopIteration
        case .notHTTP:
            shared.stats.httpNotFound.increment()
            return .continue
        case .http10:
            shared.stats.http10Found.increment()
            protocolName = "http/1.0"
        case .http11:
            shared.stats.http11Found.increment()
            protocolName = "http/1.1"
        case .http2:
            shared.stats.http2Found.increment()
            protocolName = "h2c"
        }
        callbacks.socket.requestedApplicationProtocols = [protocolName]
        return .continue
    }
}

@available(*, unavailable)
extension HTTPInspectorFilter: Sendable {}
