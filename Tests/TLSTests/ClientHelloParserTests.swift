import TLS
import NIOCore
import Testing

@Suite struct ClientHelloParserTests {
    /// A real ClientHello, captured from an in-memory client connection.
    private func capturedHello(sni: String? = "Api.Example.COM", alpn: [String] = ["h2", "http/1.1"]) throws -> [UInt8] {
        let context = try TestPKI.shared.clientContext(alpn: alpn, sni: sni, params: TLSParameters(maximumProtocolVersion: .tlsV1_3))
        let client = try TLSConnection(context: context)
        #expect(client.handshake().error == nil)
        let bytes = try #require(client.takeCiphertext())
        return Array(bytes.readableBytesView)
    }

    private func info(_ result: ClientHelloParseResult) -> ClientHelloInfo? {
        if case .tls(let info) = result { return info }
        return nil
    }

    @Test func parsesARealClientHello() throws {
        let hello = try capturedHello()
        let parsed = try #require(info(ClientHelloParser().parse(ByteBuffer(bytes: hello))))
        #expect(parsed.serverName == "api.example.com")
        #expect(parsed.applicationProtocols == ["h2", "http/1.1"])
        #expect(parsed.bytesProcessed == hello.count)
        #expect(parsed.supportedVersions.contains(0x0304))
        #expect(parsed.legacyVersion == 0x0303)
        #expect(parsed.ja3String.hasPrefix("771,"))
        #expect(parsed.ja3Hash.count == 32)
    }

    @Test func helloWithoutSNIOrALPN() throws {
        let parsed = try #require(info(ClientHelloParser().parse(try capturedHello(sni: nil, alpn: []))))
        #expect(parsed.serverName == nil)
        #expect(parsed.applicationProtocols.isEmpty)
    }

    @Test func everySplitPointNeedsMoreDataUntilComplete() throws {
        let hello = try capturedHello()
        let parser = ClientHelloParser()
        for length in 0..<hello.count {
            let result = parser.parse(ByteBuffer(bytes: hello[..<length]))
            #expect(result == .needMoreData, "prefix of \(length) bytes")
        }
        // Extra bytes after the hello (e.g. early data) do not matter.
        let withTrailer = hello + [0x17, 0x03, 0x03, 0x00, 0x01, 0x00]
        #expect(info(parser.parse(ByteBuffer(bytes: withTrailer)))?.serverName == "api.example.com")
    }

    /// Re-frames the hello's handshake message into records of at most `size` body bytes.
    private func fragment(_ hello: [UInt8], recordSize size: Int) -> [UInt8] {
        let message = hello[5...]
        var out: [UInt8] = []
        var index = message.startIndex
        while index < message.endIndex {
            let end = min(index + size, message.endIndex)
            out += [0x16, 0x03, 0x01, UInt8((end - index) >> 8), UInt8((end - index) & 0xFF)]
            out += message[index..<end]
            index = end
        }
        return out
    }

    @Test func helloSpanningSeveralRecords() throws {
        let hello = try capturedHello()
        let expected = try #require(info(ClientHelloParser().parse(ByteBuffer(bytes: hello))))
        for size in [1, 2, 3, 50, 100] {
            let framed = fragment(hello, recordSize: size)
            let parsed = try #require(info(ClientHelloParser().parse(ByteBuffer(bytes: framed))))
            #expect(parsed.serverName == expected.serverName)
            #expect(parsed.applicationProtocols == expected.applicationProtocols)
            #expect(parsed.bytesProcessed == framed.count)
            if size == 50 {
                for length in 0..<framed.count {
                    #expect(ClientHelloParser().parse(ByteBuffer(bytes: framed[..<length])) == .needMoreData)
                }
            }
        }
    }

    @Test func notTLS() {
        let parser = ClientHelloParser()
        #expect(parser.parse(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r\n")) == .notTLS)
        #expect(parser.parse(ByteBuffer(string: "G")) == .notTLS)
        #expect(parser.parse(ByteBuffer(bytes: [0x16, 0x07])) == .notTLS)
        // SSLv2-style ClientHello.
        #expect(parser.parse(ByteBuffer(bytes: [0x80, 0x2E, 0x01, 0x00, 0x02, 0x00, 0x15])) == .notTLS)
        #expect(parser.parse(ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00])) == .notTLS)
        #expect(parser.parse(ByteBuffer()) == .needMoreData)
        #expect(parser.parse(ByteBuffer(bytes: [0x16, 0x03])) == .needMoreData)
    }

    @Test func malformedHellosAreErrors() throws {
        let parser = ClientHelloParser()
        // A handshake record that carries a ServerHello.
        guard case .error = parser.parse(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])) else {
            Issue.record("ServerHello accepted")
            return
        }
        // Zero-length record.
        guard case .error = parser.parse(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0x00])) else {
            Issue.record("empty record accepted")
            return
        }
        // A complete hello whose cipher-suite vector overruns the message.
        var hello = try capturedHello()
        hello[5 + 4 + 2 + 32 + 1 + Int(hello[5 + 4 + 2 + 32])] = 0xFF
        guard case .error = parser.parse(ByteBuffer(bytes: hello)) else {
            Issue.record("corrupt hello accepted")
            return
        }
        // An alert record between the fragments of a hello.
        let framed = fragment(try capturedHello(), recordSize: 100)
        let broken = Array(framed[..<105]) + [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28] + Array(framed[105...])
        guard case .error = parser.parse(ByteBuffer(bytes: broken)) else {
            Issue.record("interleaved alert accepted")
            return
        }
    }

    @Test func oversizeHellos() throws {
        let hello = try capturedHello()
        #expect(ClientHelloParser(maxClientHelloSize: hello.count - 1).parse(ByteBuffer(bytes: hello)) == .tooLarge)
        #expect(info(ClientHelloParser(maxClientHelloSize: hello.count).parse(ByteBuffer(bytes: hello))) != nil)
        // Known too large from the handshake header alone.
        let header: [UInt8] = [0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x50, 0x00]
        #expect(ClientHelloParser().parse(ByteBuffer(bytes: header)) == .tooLarge)
        // Many small records whose framing overhead pushes the total over the limit.
        let framed = fragment(hello, recordSize: 1)
        #expect(ClientHelloParser(maxClientHelloSize: framed.count - 1).parse(ByteBuffer(bytes: framed)) == .tooLarge)
        #expect(ClientHelloParser(maxClientHelloSize: 100_000).maxClientHelloSize == 16384)
    }

    @Test func parsesPeekedBytesWithoutConsumingThem() throws {
        let buffer = ByteBuffer(bytes: try capturedHello())
        let before = buffer.readableBytes
        _ = ClientHelloParser().parse(buffer)
        #expect(buffer.readableBytes == before)
    }
}
