import NIOCore

/// Decides from the first bytes of a plaintext stream whether it is HTTP, the way Envoy's
/// `http_inspector` does: the h2c prior-knowledge preface means HTTP/2; otherwise the first
/// line must be an HTTP/1 request line (`METHOD SP target SP HTTP/d.d`, ended by LF or CRLF)
/// with a method Envoy's parser knows. `HTTP/1.1` is reported as HTTP/1.1, any other version
/// as HTTP/1.0 (as Envoy does). Nothing is decided before the end of the first line, except
/// that a byte which cannot continue a request line means "not HTTP" at once.
public enum HTTPProtocolDetector {
    /// The verdict for the bytes seen so far.
    public enum Result: Sendable, Hashable {
        /// The bytes so far are a valid beginning; more are needed.
        case needMoreData
        /// A complete HTTP/1.0 (or other non-1.1) request line.
        case http10
        /// A complete HTTP/1.1 request line.
        case http11
        /// The HTTP/2 connection preface (h2c with prior knowledge).
        case http2
        /// Not HTTP.
        case notHTTP
    }

    /// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
    public static let http2Preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// The request methods Envoy's HTTP/1 parser accepts.
    static let methods: [[UInt8]] = [
        "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL",
        "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT",
        "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH",
        "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SOURCE", "QUERY",
    ].map { Array($0.utf8) }

    private static let versionPrefix = Array("HTTP/".utf8)
    private static let space = UInt8(ascii: " ")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Inspects `data` (everything received so far, from the first byte).
    public static func detect(_ data: ByteBuffer) -> Result {
        data.withUnsafeReadableBytes { detect(bytes: $0) }
    }

    /// Inspects raw bytes (everything received so far, from the first byte).
    public static func detect(bytes: UnsafeRawBufferPointer) -> Result {
        guard !bytes.isEmpty else { return .needMoreData }
        let prefaceLength = min(bytes.count, http2Preface.count)
        if (0..<prefaceLength).allSatisfy({ bytes[$0] == http2Preface[$0] }) {
            return bytes.count < http2Preface.count ? .needMoreData : .http2
        }
        return requestLine(bytes)
    }

    private enum State {
        case method, target, version, carriageReturn
    }

    private static func requestLine(_ bytes: UnsafeRawBufferPointer) -> Result {
        if bytes[0] == cr || bytes[0] == lf { return .notHTTP }
        var state = State.method
        var tokenStart = 0
        var versionMinorIsOne = false
        for index in 0..<bytes.count {
            let byte = bytes[index]
            switch state {
            case .method:
                if byte == space {
                    guard isMethod(bytes, 0..<index) else { return .notHTTP }
                    state = .target
                    tokenStart = index + 1
                } else if !isMethodPrefix(bytes, 0..<(index + 1)) {
                    return .notHTTP
                }
            case .target:
                if byte == space {
                    guard index > tokenStart else { return .notHTTP }
                    state = .version
                    tokenStart = index + 1
                } else if byte < 0x21 || byte == 0x7F {
                    return .notHTTP
                }
            case .version:
                let offset = index - tokenStart
                if offset == 8 {
                    if byte == cr {
                        state = .carriageReturn
                    } else if byte == lf {
                        return versionMinorIsOne ? .http11 : .http10
                    } else {
                        return .notHTTP
                    }
                } else if !versionByte(byte, at: offset) {
                    return .notHTTP
                } else if offset == 7 {
                    versionMinorIsOne = bytes[index - 2] == UInt8(ascii: "1") && byte == UInt8(ascii: "1")
                }
            case .carriageReturn:
                return byte == lf ? (versionMinorIsOne ? .http11 : .http10) : .notHTTP
            }
        }
        return .needMoreData
    }

    /// `HTTP/d.d`, byte by byte.
    private static func versionByte(_ byte: UInt8, at offset: Int) -> Bool {
        switch offset {
        case 0..<5: return byte == versionPrefix[offset]
        case 5, 7: return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        case 6: return byte == UInt8(ascii: ".")
        default: return false
        }
    }

    private static func isMethod(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        methods.contains { method in
            method.count == range.count && range.allSatisfy { bytes[$0] == method[$0 - range.lowerBound] }
        }
    }

    private static func isMethodPrefix(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        methods.contains { method in
            method.count >= range.count && range.allSatisfy { bytes[$0] == method[$0 - range.lowerBound] }
        }
    }
}
