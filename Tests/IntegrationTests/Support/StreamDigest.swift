import COpenSSL
import NIOCore

/// A SHA-256 computed as a stream goes by (OpenSSL's EVP digest), with the byte count: for
/// tests that check every byte of a transfer too large to keep.
///
/// - Note: Not thread-safe; used from one event loop (or under a lock).
final class StreamDigest {
    private let context: OpaquePointer
    private(set) var count = 0
    private var finished: String?

    init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds the readable bytes of `buffer`.
    func update(_ buffer: ByteBuffer) {
        precondition(finished == nil, "update after hex")
        buffer.withUnsafeReadableBytes { bytes in
            _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
        }
        count += buffer.readableBytes
    }

    /// The digest of everything added, hex (ends the stream: no update after).
    var hex: String {
        if let finished { return finished }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        let text = digest.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        finished = text
        return text
    }
}
