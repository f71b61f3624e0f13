#if os(Linux)
import NIOCore

/// A socket's buffers waiting for the kernel, oldest first. The ring's storage is allocated
/// when the first buffer has to wait, so the many sockets whose writes go straight to the kernel
/// (and every idle one) hold none.
///
/// - Note: Confined to its socket's loop.
struct WriteQueue {
    private var ring: CircularBuffer<ByteBuffer>?

    var isEmpty: Bool { ring?.isEmpty ?? true }
    var count: Int { ring?.count ?? 0 }

    mutating func append(_ buffer: ByteBuffer) {
        if ring == nil {
            ring = CircularBuffer(initialCapacity: 4)
        }
        ring!.append(buffer)
    }

    /// The buffer at `offset` from the oldest (`offset < count`).
    subscript(offset: Int) -> ByteBuffer {
        get { ring![ring!.index(ring!.startIndex, offsetBy: offset)] }
    }

    /// Moves the oldest buffer's reader index forward by `count` bytes.
    mutating func consumeFirst(_ count: Int) {
        ring![ring!.startIndex].moveReaderIndex(forwardBy: count)
    }

    mutating func removeFirst() {
        ring!.removeFirst()
    }

    /// Drops every buffer and the storage.
    mutating func removeAll() {
        ring = nil
    }
}
#endif
