import NIOCore

/// What a read filter can do to its connection and chain.
///
/// Only valid on the connection's event loop.
public protocol ReadFilterCallbacks: AnyObject {
    /// The connection this filter is on.
    var connection: NetworkConnection { get }

    /// Resume read iteration at the filter after this one, with the connection's current read
    /// buffer and end-of-stream state.
    func continueReading()

    /// Push `data` to the filters after this one, as if it had been read (it does not go
    /// through the connection's read buffer).
    func injectReadDataToFilterChain(_ data: ByteBuffer, endStream: Bool)

    /// The upstream host the terminal filter selected, shared by all filters of the connection.
    var upstreamHost: HostDescription? { get set }

    /// For terminal filters: the upstream connection to `host` is ready. Sets
    /// ``upstreamHost`` and calls ``ReadFilter/onUpstreamReady(host:)`` on every other read
    /// filter of the connection, in chain order.
    func notifyUpstreamReady(host: HostDescription)
}
