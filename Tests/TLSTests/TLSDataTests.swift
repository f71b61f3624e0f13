import TLS
import NIOCore
import Testing

@Suite struct TLSDataTests {
    let pki = TestPKI.shared

    private func established(_ version: TLSProtocolVersion = .tlsV1_3) throws -> BackToBack {
        var pair = try BackToBack(
            client: pki.clientContext(params: TLSParameters(maximumProtocolVersion: version)),
            server: pki.serverContext()
        )
        let (client, server) = pair.handshake()
        try #require(client.info != nil && server.info != nil)
        return pair
    }

    private static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    private func send(_ bytes: [UInt8], from: TLSConnection, to: TLSConnection, chunk: Int) throws -> [UInt8] {
        var offset = 0
        var received = ByteBuffer()
        // Write in 100 KiB pieces, deliver in odd-sized network chunks.
        while offset < bytes.count {
            let end = min(offset + 100_000, bytes.count)
            try from.writePlaintext(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            BackToBack.deliver(from: from, to: to, chunk: chunk)
            #expect(try to.readPlaintext(into: &received) == .needMoreData)
        }
        return Array(received.readableBytesView)
    }

    @Test(arguments: [TLSProtocolVersion.tlsV1_2, .tlsV1_3])
    func oneMebibyteBothWaysIsByteExact(_ version: TLSProtocolVersion) throws {
        let pair = try established(version)
        let upstream = Self.pattern(1 << 20, seed: 1)
        let downstream = Self.pattern(1 << 20, seed: 2)
        #expect(try send(upstream, from: pair.client, to: pair.server, chunk: 7_919) == upstream)
        #expect(try send(downstream, from: pair.server, to: pair.client, chunk: 65_536) == downstream)
    }

    @Test func closeNotifyIsACleanEndOfStream() throws {
        let pair = try established()
        try pair.client.writePlaintext(ByteBuffer(string: "last words"))
        pair.client.shutdown()
        #expect(pair.client.sentCloseNotify)
        BackToBack.deliver(from: pair.client, to: pair.server)
        var received = ByteBuffer()
        #expect(try pair.server.readPlaintext(into: &received) == .closeNotify)
        #expect(String(buffer: received) == "last words")
        #expect(pair.server.receivedCloseNotify)

        pair.server.shutdown()
        BackToBack.deliver(from: pair.server, to: pair.client)
        var sink = ByteBuffer()
        #expect(try pair.client.readPlaintext(into: &sink) == .closeNotify)
        #expect(throws: TLSHandshakeError.self) { try pair.client.writePlaintext(ByteBuffer(string: "late")) }
    }

    @Test func endOfStreamWithoutCloseNotifyIsUnclean() throws {
        let pair = try established()
        try pair.client.writePlaintext(ByteBuffer(string: "partial"))
        BackToBack.deliver(from: pair.client, to: pair.server)
        pair.server.receiveEndOfStream()
        var received = ByteBuffer()
        #expect(try pair.server.readPlaintext(into: &received) == .uncleanEndOfStream)
        #expect(String(buffer: received) == "partial")
    }

    @Test func truncatedRecordWaitsForMoreData() throws {
        let pair = try established()
        try pair.client.writePlaintext(ByteBuffer(string: "split record"))
        var ciphertext = try #require(pair.client.takeCiphertext())
        let head = ciphertext.readSlice(length: 10)!
        pair.server.receiveFromNetwork(head)
        var received = ByteBuffer()
        #expect(try pair.server.readPlaintext(into: &received) == .needMoreData)
        #expect(received.readableBytes == 0)
        pair.server.receiveFromNetwork(ciphertext)
        #expect(try pair.server.readPlaintext(into: &received) == .needMoreData)
        #expect(String(buffer: received) == "split record")
    }

    @Test func corruptedRecordFailsTheConnection() throws {
        let pair = try established()
        try pair.client.writePlaintext(ByteBuffer(string: "tamper with me"))
        var ciphertext = try #require(pair.client.takeCiphertext())
        let last = ciphertext.writerIndex - 1
        ciphertext.setInteger(ciphertext.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        pair.server.receiveFromNetwork(ciphertext)
        var received = ByteBuffer()
        let error = try #require(throws: TLSHandshakeError.self) { try pair.server.readPlaintext(into: &received) }
        #expect(error.statEvent == .connectionError)
    }

    @Test func readingBeforeTheHandshakeIsRejected() throws {
        let connection = try TLSConnection(context: pki.serverContext())
        var sink = ByteBuffer()
        #expect(throws: TLSHandshakeError.self) { try connection.readPlaintext(into: &sink) }
        #expect(throws: TLSHandshakeError.self) { try connection.writePlaintext(ByteBuffer(string: "x")) }
    }
}
