import NIOCore

/// A filter on the read path of a connection: bytes arriving from the peer pass through the
/// read filters in configuration order, ending at a terminal filter such as `tcp_proxy`.
///
/// A read filter lives on one connection and is only ever called on that connection's event
/// loop, so it needs no locks. It is created per connection by its factory.
public protocol ReadFilter: AnyObject {
    /// Called exactly once, when the filter is added to the connection. Store the callbacks;
    /// do no network I/O here (do it in ``onNewConnection()``).
    func initialize(callbacks: any ReadFilterCallbacks)

    /// Called once per connection, before this filter's first ``onData(_:endStream:)``.
    func onNewConnection() -> FilterStatus

    /// Bytes arrived. `data` is the connection's read buffer: drain what you consume; bytes you
    /// leave are seen by the next filter (on `.continue`) or re-presented on the next read
    /// (on `.stopIteration`). `endStream` is true when the peer half-closed and half-close is
    /// enabled on the connection.
    ///
    /// Bytes are re-presented to the filters in front of one that stops: when a later filter
    /// (say tcp_proxy, still connecting) leaves bytes in the buffer, the next read pass starts
    /// at the first filter again with those bytes and any new ones. A filter that has already
    /// made its decision should remember it and return `.continue` without looking again.
    /// For the same reason `endStream` can be seen more than once: the connection delivers
    /// it once, but a pass started by ``ReadFilterCallbacks/continueReading()`` hands on the
    /// current end-of-stream state too.
    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus

    /// The terminal filter's upstream connection is established and
    /// ``ReadFilterCallbacks/upstreamHost`` is set. tcp_proxy raises it on every other read
    /// filter of the connection, in chain order, before it forwards the bytes it held while
    /// connecting and re-enables reading. Use it instead of polling `upstreamHost`.
    func onUpstreamReady(host: HostDescription)

    /// The connection's write buffer went above its high watermark (backpressure). Every
    /// read filter hears it, without registering as ``ConnectionCallbacks``.
    func onWriteBufferHighWatermark()

    /// The connection's write buffer drained to its low watermark.
    func onWriteBufferLowWatermark()
}

extension ReadFilter {
    public func onNewConnection() -> FilterStatus { .continue }
    public func onUpstreamReady(host: HostDescription) {}
    public func onWriteBufferHighWatermark() {}
    public func onWriteBufferLowWatermark() {}
}
