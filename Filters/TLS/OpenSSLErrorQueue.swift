internal import COpenSSL

/// Snapshots and clears OpenSSL's thread-local error queue.
enum OpenSSLErrorQueue {
    /// One queued error: its packed code and its text.
    struct Entry {
        var code: UInt
        var text: String

        var isSSLLibrary: Bool { relay_ERR_GET_LIB(code) == relay_ERR_LIB_SSL() }
        var reason: Int32 { relay_ERR_GET_REASON(code) }
    }

    /// Removes every queued error and returns them, oldest first.
    static func drain() -> [Entry] {
        var entries: [Entry] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
                text += " (\(String(cString: data)))"
            }
            entries.append(Entry(code: code, text: text))
        }
        return entries
    }

    /// Removes every queued error and returns their texts.
    static func drainTexts() -> [String] { drain().map(\.text) }

    /// Discards stale errors before an operation whose failure will be inspected.
    static func clear() { ERR_clear_error() }
}
