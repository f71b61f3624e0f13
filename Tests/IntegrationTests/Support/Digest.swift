import COpenSSL
import NIOCore

/// SHA-256 of a buffer's readable bytes, hex.
func sha256Hex(_ buffer: ByteBuffer) -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    buffer.withUnsafeReadableBytes { bytes in
        _ = EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha256(), nil)
    }
    return digest.map { byte in
        let hex = String(byte, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
    }.joined()
}
