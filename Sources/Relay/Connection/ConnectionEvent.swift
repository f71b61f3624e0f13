/// The life of a connection (Envoy's `Connection::State`).
public enum ConnectionState: Sendable, Hashable {
    /// Reading and writing.
    case open
    /// A flushing close is pending: no more reads, pending writes still go out.
    case closing
    /// Closed; writes are ignored.
    case closed
}

/// Events raised to ``ConnectionCallbacks`` (Envoy's `ConnectionEvent`).
public enum ConnectionEvent: Sendable, Hashable {
    /// The peer closed (FIN with half-close off, RST, error, failed connect).
    case remoteClose
    /// This side closed the connection.
    case localClose
    /// The transport is ready: TCP connected (client) or filters initialized (server), and
    /// the TLS handshake done when there is TLS.
    case connected
}

/// How to close a connection (Envoy's `ConnectionCloseType`).
public enum ConnectionCloseType: Sendable, Hashable {
    /// Write what is pending, then close (FIN).
    case flushWrite
    /// Close now; pending bytes are dropped.
    case noFlush
    /// Discard pending bytes and close now.
    case abort
    /// Discard pending bytes and reset the connection (RST).
    case abortReset
}

/// Observers of a connection's events and write-buffer watermarks.
///
/// Callbacks run on the connection's event loop, in registration order.
public protocol ConnectionCallbacks: AnyObject {
    /// A connection event happened.
    func onEvent(_ event: ConnectionEvent)
    /// The write buffer went above its high watermark.
    func onAboveWriteBufferHighWatermark()
    /// The write buffer drained to its low watermark.
    func onBelowWriteBufferLowWatermark()
}

extension ConnectionCallbacks {
    public func onAboveWriteBufferHighWatermark() {}
    public func onBelowWriteBufferLowWatermark() {}
}
