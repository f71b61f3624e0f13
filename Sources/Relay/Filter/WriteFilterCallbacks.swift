import NIOCore

/// What a write filter can do to its connection and chain.
public protocol WriteFilterCallbacks: AnyObject {
    /// The connection this filter is on.
    var connection: NetworkConnection { get }

    /// Push `data` to the write filters after this one; if they all continue it is written to
    /// the transport, bypassing the filters already passed.
    func injectWriteDataToFilterChain(_ data: ByteBuffer, endStream: Bool)
}
