internal import COpenSSL

extension ClientHelloInfo {
    /// The JA3 hash: lowercase hex MD5 of ``ja3String`` (what `enable_ja3_fingerprinting`
    /// stores as the connection's JA3 hash).
    public var ja3Hash: String {
        let input = Array(ja3String.utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(input, input.count, &digest, &length, EVP_md5(), nil) == 1 else { return "" }
        return Array(digest.prefix(Int(length))).hexString
    }
}
