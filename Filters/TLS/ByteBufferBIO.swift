internal import COpenSSL
import NIOCore

/// A custom OpenSSL `BIO` whose read side drains a NIO `ByteBuffer` of received ciphertext and
/// whose write side appends to a `ByteBuffer` of ciphertext to send.
///
/// Compared with a pair of `BIO_s_mem`, this saves one copy in each direction: received buffers
/// are kept as they arrive (no copy until OpenSSL reads the record) and produced records land
/// directly in the buffer that is handed to the channel.
///
/// The `BIO` holds an unretained pointer to this object. The owning ``TLSConnection`` frees its
/// `SSL` (which owns the `BIO`) in `deinit`, before this object is released.
final class ByteBufferBIO {
    /// The shared method table, created once per process. Immutable after creation.
    nonisolated(unsafe) private static let method: OpaquePointer = {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
        guard let method = BIO_meth_new(type, "relay ByteBuffer BIO") else {
            preconditionFailure("BIO_meth_new failed: out of memory")
        }
        _ = BIO_meth_set_read(method, byteBufferBIORead)
        _ = BIO_meth_set_write(method, byteBufferBIOWrite)
        _ = BIO_meth_set_ctrl(method, byteBufferBIOControl)
        return method
    }()

    /// Ciphertext received from the network and not yet consumed by OpenSSL.
    var inbound: ByteBuffer
    /// Ciphertext produced by OpenSSL and not yet taken for sending.
    var outbound: ByteBuffer
    /// The network reached end of stream; once `inbound` is drained, reads report EOF.
    var inboundEOF = false
    let allocator: ByteBufferAllocator
    /// The `BIO *`; ownership passes to the `SSL` via `SSL_set_bio`.
    let bio: OpaquePointer

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
        self.inbound = allocator.buffer(capacity: 0)
        self.outbound = allocator.buffer(capacity: 0)
        guard let bio = BIO_new(Self.method) else {
            preconditionFailure("BIO_new failed: out of memory")
        }
        self.bio = bio
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        BIO_set_init(bio, 1)
    }

    /// Queues received ciphertext without copying when nothing is pending.
    func receive(_ bytes: ByteBuffer) {
        if inbound.readableBytes == 0 {
            inbound = bytes
        } else {
            inbound.writeImmutableBuffer(bytes)
        }
    }

    /// Lets go of a received buffer OpenSSL has read to the end, so the socket that filled it
    /// can reuse its storage for the next read.
    func releaseConsumedInbound() {
        if inbound.readableBytes == 0 && inbound.capacity > 0 {
            inbound = allocator.buffer(capacity: 0)
        }
    }

    /// Hands over the produced ciphertext, if any. The buffer's storage stays here for the
    /// next records (see ``reserveOutbound(_:)``) unless bulk writes grew it.
    func takeOutbound() -> ByteBuffer? {
        guard outbound.readableBytes > 0 else { return nil }
        let taken = outbound
        if outbound.capacity > Self.retainedCapacity {
            outbound = allocator.buffer(capacity: 0)
        } else {
            outbound.moveReaderIndex(forwardBy: outbound.readableBytes)
        }
        return taken
    }

    /// The largest buffer a connection keeps between writes (or reads, for plaintext): enough
    /// for request/response records, small beside OpenSSL's own per-connection state, and a
    /// handshake flight (certificates) is not kept by an idle connection.
    static let retainedCapacity = 1024

    /// Makes room for `bytes` more ciphertext so a large write grows the buffer once. A buffer
    /// whose records were all taken starts over: its storage is reused when the socket kept no
    /// reference to them (they went to the kernel at once), the request/response case.
    func reserveOutbound(_ bytes: Int) {
        if outbound.readableBytes == 0 && outbound.writerIndex > 0 {
            outbound.clear()
        }
        outbound.reserveCapacity(minimumWritableBytes: bytes)
    }

    fileprivate static func from(_ bio: OpaquePointer?) -> ByteBufferBIO? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return Unmanaged<ByteBufferBIO>.fromOpaque(data).takeUnretainedValue()
    }
}

@available(*, unavailable)
extension ByteBufferBIO: Sendable {}

private func byteBufferBIORead(_ bio: OpaquePointer?, _ out: UnsafeMutablePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let box = ByteBufferBIO.from(bio), let bio, let out, length > 0 else { return 0 }
    relay_BIO_clear_retry_flags(bio)
    let count = min(box.inbound.readableBytes, Int(length))
    if count == 0 {
        if box.inboundEOF { return 0 }
        relay_BIO_set_retry_read(bio)
        return -1
    }
    box.inbound.withUnsafeReadableBytes { source in
        UnsafeMutableRawPointer(out).copyMemory(from: source.baseAddress!, byteCount: count)
    }
    box.inbound.moveReaderIndex(forwardBy: count)
    return Int32(count)
}

private func byteBufferBIOWrite(_ bio: OpaquePointer?, _ data: UnsafePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let box = ByteBufferBIO.from(bio), let bio, let data, length > 0 else { return 0 }
    relay_BIO_clear_retry_flags(bio)
    box.outbound.writeBytes(UnsafeRawBufferPointer(start: data, count: Int(length)))
    return length
}

private func byteBufferBIOControl(_ bio: OpaquePointer?, _ command: Int32, _ larg: Int, _ parg: UnsafeMutableRawPointer?) -> Int {
    guard let box = ByteBufferBIO.from(bio) else { return 0 }
    switch command {
    case relay_BIO_CTRL_FLUSH(), relay_BIO_CTRL_GET_CLOSE(), relay_BIO_CTRL_SET_CLOSE():
        return 1
    case relay_BIO_CTRL_PENDING():
        return box.inbound.readableBytes
    case relay_BIO_CTRL_WPENDING():
        return 0
    case relay_BIO_CTRL_EOF():
        return box.inboundEOF && box.inbound.readableBytes == 0 ? 1 : 0
    default:
        return 0
    }
}
