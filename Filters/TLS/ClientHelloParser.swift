import NIOCore

/// The job of Envoy's `tls_inspector`: read a TLS ClientHello from peeked bytes, without
/// consuming them and without running TLS, and report the SNI and the offered ALPN protocols.
///
/// The parser is stateless: give it all bytes peeked so far (it handles a ClientHello spread
/// over several TLS records) and it answers from scratch. Pure Swift; no OpenSSL.
public struct ClientHelloParser: Sendable, Hashable {
    /// The largest ClientHello accepted, counted in bytes on the wire including record headers
    /// (`max_client_hello_size`, at most 16384).
    public var maxClientHelloSize: Int

    /// Envoy's limit and default for `max_client_hello_size`.
    public static let maximumClientHelloSize = 16384

    /// Creates a parser.
    public init(maxClientHelloSize: Int = ClientHelloParser.maximumClientHelloSize) {
        self.maxClientHelloSize = min(max(maxClientHelloSize, 0), Self.maximumClientHelloSize)
    }

    /// Parses the readable bytes of `peeked` (which is not modified).
    public func parse(_ peeked: ByteBuffer) -> ClientHelloParseResult {
        peeked.withUnsafeReadableBytes { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses raw peeked bytes.
    public func parse(_ bytes: some Collection<UInt8>) -> ClientHelloParseResult {
        if let result = bytes.withContiguousStorageIfAvailable({ parse(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { parse($0) }
    }

    private static let handshakeRecord: UInt8 = 22
    private static let clientHelloType: UInt8 = 1
    private static let maxRecordLength = 16384 + 2048

    private func parse(_ input: UnsafeRawBufferPointer) -> ClientHelloParseResult {
        var handshake: [UInt8] = []
        var offset = 0
        var firstRecord = true
        while true {
            let available = input.count - offset
            // Record header: type(1) version(2) length(2). Reject non-TLS as early as possible.
            if available >= 1 && input[offset] != Self.handshakeRecord {
                return firstRecord ? .notTLS : .error("unexpected record type \(input[offset]) inside the ClientHello")
            }
            if available >= 2 && input[offset + 1] != 3 {
                return firstRecord ? .notTLS : .error("unexpected record version inside the ClientHello")
            }
            if available < 5 {
                return offset + 5 > maxClientHelloSize ? .tooLarge : .needMoreData
            }
            let length = Int(input[offset + 3]) << 8 | Int(input[offset + 4])
            guard length > 0, length <= Self.maxRecordLength else {
                return .error("invalid TLS record length \(length)")
            }
            let bodyStart = offset + 5
            let recordEnd = bodyStart + length
            let bodyEnd = min(recordEnd, input.count)
            handshake.append(contentsOf: input[bodyStart..<bodyEnd])
            if firstRecord, let type = handshake.first, type != Self.clientHelloType {
                return .error("first handshake message has type \(type), not ClientHello")
            }
            firstRecord = false
            if handshake.count >= 4 {
                let messageLength = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
                // The hello needs at least one record header plus its own header and body.
                if 5 + 4 + messageLength > maxClientHelloSize { return .tooLarge }
                if handshake.count >= 4 + messageLength {
                    let consumed = bodyEnd - (handshake.count - 4 - messageLength)
                    if consumed > maxClientHelloSize { return .tooLarge }
                    return Self.parseClientHello(handshake[4..<(4 + messageLength)], bytesProcessed: consumed)
                }
            }
            if recordEnd > input.count {
                return recordEnd > maxClientHelloSize ? .tooLarge : .needMoreData
            }
            offset = recordEnd
        }
    }

    private static func parseClientHello(_ body: ArraySlice<UInt8>, bytesProcessed: Int) -> ClientHelloParseResult {
        var reader = Reader(body)
        var info = ClientHelloInfo()
        info.bytesProcessed = bytesProcessed
        guard let version = reader.u16() else { return .error("truncated ClientHello version") }
        info.legacyVersion = version
        guard reader.skip(32) else { return .error("truncated ClientHello random") }
        guard let sessionID = reader.vector8(), sessionID.count <= 32 else { return .error("bad ClientHello session id") }
        guard let suites = reader.vector16(), suites.count >= 2, suites.count % 2 == 0 else {
            return .error("bad ClientHello cipher suites")
        }
        info.cipherSuites = suites.pairs()
        guard let compression = reader.vector8(), !compression.isEmpty else {
            return .error("bad ClientHello compression methods")
        }
        if reader.isAtEnd { return .tls(info) }
        guard let extensions = reader.vector16(), reader.isAtEnd else { return .error("bad ClientHello extensions block") }
        var extensionReader = Reader(extensions)
        var seen = Set<UInt16>()
        while !extensionReader.isAtEnd {
            guard let type = extensionReader.u16(), let data = extensionReader.vector16() else {
                return .error("truncated ClientHello extension")
            }
            guard seen.insert(type).inserted else { return .error("duplicate ClientHello extension \(type)") }
            info.extensionTypes.append(type)
            var ext = Reader(data)
            switch type {
            case 0x0000:  // server_name
                guard let list = ext.vector16(), ext.isAtEnd, !list.isEmpty else { return .error("bad server_name extension") }
                var names = Reader(list)
                while !names.isAtEnd {
                    guard let nameType = names.u8(), let name = names.vector16() else {
                        return .error("bad server_name entry")
                    }
                    if nameType == 0 && info.serverName == nil {
                        guard !name.isEmpty, !name.contains(0) else { return .error("bad host_name in server_name") }
                        info.serverName = String(decoding: name, as: UTF8.self).asciiLowercased()
                    }
                }
            case 0x0010:  // application_layer_protocol_negotiation
                guard let list = ext.vector16(), ext.isAtEnd, !list.isEmpty else { return .error("bad ALPN extension") }
                var protocols = Reader(list)
                while !protocols.isAtEnd {
                    guard let name = protocols.vector8(), !name.isEmpty else { return .error("bad ALPN protocol name") }
                    info.applicationProtocols.append(String(decoding: name, as: UTF8.self))
                }
            case 0x000A:  // supported_groups
                guard let list = ext.vector16(), ext.isAtEnd, list.count % 2 == 0 else { return .error("bad supported_groups") }
                info.supportedGroups = list.pairs()
            case 0x000B:  // ec_point_formats
                guard let list = ext.vector8(), ext.isAtEnd else { return .error("bad ec_point_formats") }
                info.ecPointFormats = Array(list)
            case 0x000D:  // signature_algorithms
                guard let list = ext.vector16(), ext.isAtEnd, list.count % 2 == 0 else {
                    return .error("bad signature_algorithms")
                }
                info.signatureAlgorithms = list.pairs()
            case 0x002B:  // supported_versions
                guard let list = ext.vector8(), ext.isAtEnd, list.count % 2 == 0 else {
                    return .error("bad supported_versions")
                }
                info.supportedVersions = list.pairs()
            default:
                break
            }
        }
        return .tls(info)
    }
}

/// A bounds-checked big-endian reader over a byte slice.
private struct Reader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { bytes.isEmpty }

    mutating func u8() -> UInt8? { bytes.popFirst() }

    mutating func u16() -> UInt16? {
        guard bytes.count >= 2 else { return nil }
        let value = UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1])
        bytes = bytes.dropFirst(2)
        return value
    }

    mutating func skip(_ count: Int) -> Bool {
        guard bytes.count >= count else { return false }
        bytes = bytes.dropFirst(count)
        return true
    }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard bytes.count >= count else { return nil }
        let taken = bytes.prefix(count)
        bytes = bytes.dropFirst(count)
        return taken
    }

    mutating func vector8() -> ArraySlice<UInt8>? {
        guard let length = u8() else { return nil }
        return take(Int(length))
    }

    mutating func vector16() -> ArraySlice<UInt8>? {
        guard let length = u16() else { return nil }
        return take(Int(length))
    }
}

extension ArraySlice<UInt8> {
    /// Big-endian 16-bit values.
    fileprivate func pairs() -> [UInt16] {
        stride(from: startIndex, to: endIndex - 1, by: 2).map { UInt16(self[$0]) << 8 | UInt16(self[$0 + 1]) }
    }
}
