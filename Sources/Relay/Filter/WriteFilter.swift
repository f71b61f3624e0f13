import NIOCore

/// A filter on the write path: bytes the connection is about to send pass through the write
/// filters in reverse configuration order (the last configured filter sees them first).
public protocol WriteFilter: AnyObject {
    /// Called exactly once, when the filter is added to the connection.
    func initialize(writeCallbacks: any WriteFilterCallbacks)

    /// Bytes are about to be written. Return `.stopIteration` only after moving the bytes out
    /// of `data`; with `.continue` whatever is left in `data` is written.
    func onWrite(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus
}

extension WriteFilter {
    public func initialize(writeCallbacks: any WriteFilterCallbacks) {}
}

/// A filter on both paths, one instance per connection (Envoy's `Network::Filter`).
public typealias NetworkFilter = ReadFilter & WriteFilter
