import IstioPeer
import MetadataExchange
import NIOCore
import Relay
import Testing

@Suite struct MetadataExchangeStateMachineTests {
    static let alpn = "istio-peer-exchange"
    static let peer = WorkloadMetadata(namespace: "default", workloadName: "productpage-v1", app: "productpage")

    static func frame() -> ByteBuffer {
        try! PeerMetadataCodec.frame(for: peer, nodeID: "peer-node")
    }

    /// Feeds `chunks` the way the filter manager does: undrained bytes stay and are
    /// presented again together with the next chunk. Returns the bytes passed on.
    static func feed(_ chunks: [ByteBuffer], endStream: Bool = false, machine: inout MetadataExchangeStateMachine)
        -> (passed: ByteBuffer, published: PeerLookup?, counters: [MetadataExchangeStateMachine.Counter], injected: Int)
    {
        var pending = ByteBuffer()
        var passed = ByteBuffer()
        var published: PeerLookup?
        var counters: [MetadataExchangeStateMachine.Counter] = []
        var injected = 0
        for (index, chunk) in chunks.enumerated() {
            var chunk = chunk
            pending.writeBuffer(&chunk)
            let last = index == chunks.count - 1
            let (status, effects) = machine.onData(&pending, endStream: last && endStream, negotiatedProtocol: alpn)
            counters += effects.counters
            if effects.injectFrame { injected += 1 }
            if let peer = effects.publish { published = peer }
            if status == .continue {
                passed.writeBuffer(&pending)
            }
        }
        return (passed, published, counters, injected)
    }

    func machine() -> MetadataExchangeStateMachine {
        MetadataExchangeStateMachine(expectedProtocol: Self.alpn, maxPayloadBytes: 64 * 1024)
    }

    @Test func wholeFrameWithTrailingBytes() {
        var m = machine()
        var data = Self.frame()
        data.writeString("hello")
        let result = Self.feed([data], machine: &m)
        #expect(String(buffer: result.passed) == "hello")
        #expect(result.published == .found(Self.peer))
        #expect(result.injected == 1)
        #expect(m.state == .done)
        #expect(result.counters.contains(.alpnProtocolFound))
        #expect(result.counters.contains(.metadataAdded))
    }

    @Test func everySplitPointGivesTheSameResult() {
        var full = Self.frame()
        full.writeString("app bytes")
        let bytes = Array(full.readableBytesView)
        for split in 0...bytes.count {
            var m = machine()
            let chunks = [ByteBuffer(bytes: bytes[..<split]), ByteBuffer(bytes: bytes[split...])]
            let result = Self.feed(chunks, machine: &m)
            #expect(String(buffer: result.passed) == "app bytes", "split at \(split)")
            #expect(result.published == .found(Self.peer), "split at \(split)")
        }
    }

    @Test func randomSplitsByteByByteAndGlued() {
        var generator = SplitMix(seed: 42)
        var full = Self.frame()
        full.writeString("payload that follows")
        let bytes = Array(full.readableBytesView)
        for _ in 0..<300 {
            var chunks: [ByteBuffer] = []
            var index = 0
            while index < bytes.count {
                let size = Int(generator.next() % 7) + 1
                let end = min(bytes.count, index + size)
                chunks.append(ByteBuffer(bytes: bytes[index..<end]))
                index = end
            }
            var m = machine()
            let result = Self.feed(chunks, machine: &m)
            #expect(String(buffer: result.passed) == "payload that follows")
            #expect(result.published == .found(Self.peer))
        }
    }

    @Test func badMagicPassesBytesUntouched() {
        var m = machine()
        let result = Self.feed([ByteBuffer(string: "GET / HTTP/1.1\r\n")], machine: &m)
        #expect(String(buffer: result.passed) == "GET / HTTP/1.1\r\n")
        #expect(result.published == .notFound(.magicMismatch))
        #expect(m.state == .invalid)
        #expect(result.counters.contains(.initialHeaderNotFound))
    }

    @Test func truncatedPayloadThenEndOfStream() {
        var m = machine()
        let frame = Self.frame()
        let truncated = frame.getSlice(at: 0, length: 40)!
        let result = Self.feed([truncated], endStream: true, machine: &m)
        #expect(result.published == .notFound(.closedEarly))
        #expect(m.state == .invalid)
    }

    @Test func shortHeaderThenEndOfStream() {
        var m = machine()
        let result = Self.feed([ByteBuffer(bytes: [0x3d, 0x23])], endStream: true, machine: &m)
        #expect(result.published == .notFound(.closedEarly))
        #expect(String(buffer: result.passed).utf8.count == 2)
    }

    @Test func oversizeLengthIsRejected() {
        var m = machine()
        var header = ByteBuffer()
        MetadataExchangeHeader(payloadLength: 0xFFFF_FFFF).write(to: &header)
        var data = header
        data.writeString("x")
        let (status, effects) = m.onData(&data, endStream: false, negotiatedProtocol: Self.alpn)
        #expect(status == .stopIteration)
        #expect(effects.closeConnection)
        #expect(effects.publish == .notFound(.payloadTooLarge))
        #expect(effects.counters.contains(.payloadTooLarge))
    }

    @Test func garbageProtobufIsAParseFailure() {
        var generator = SplitMix(seed: 7)
        for _ in 0..<200 {
            let length = Int(generator.next() % 64) + 1
            var data = ByteBuffer()
            MetadataExchangeHeader(payloadLength: UInt32(length)).write(to: &data)
            data.writeBytes((0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            var m = machine()
            let result = Self.feed([data], machine: &m)
            // Random bytes rarely form a valid Any holding a Struct; whatever they are, the
            // machine ends in a final state and never crashes.
            #expect(m.state == .done || m.state == .invalid)
            if m.state == .invalid {
                #expect(result.published == .notFound(.parseFailure))
                #expect(result.counters.contains(.headerNotFound))
                #expect(result.passed.readableBytes == length)
            }
        }
    }

    @Test func alpnMismatchPassesThrough() {
        var m = machine()
        var data = ByteBuffer(string: "plain")
        let (status, effects) = m.onData(&data, endStream: false, negotiatedProtocol: "istio")
        #expect(status == .continue)
        #expect(String(buffer: data) == "plain")
        #expect(effects.publish == .notFound(.alpnNotNegotiated))
        #expect(effects.counters.contains(.alpnProtocolNotFound))
        #expect(!effects.injectFrame)
    }

    @Test func writeFirstSendsTheFrameOnce() {
        var m = machine()
        let first = m.onWrite(negotiatedProtocol: Self.alpn)
        #expect(first.injectFrame)
        let second = m.onWrite(negotiatedProtocol: Self.alpn)
        #expect(!second.injectFrame)
        var data = Self.frame()
        let (status, effects) = m.onData(&data, endStream: false, negotiatedProtocol: Self.alpn)
        #expect(status == .continue)
        #expect(!effects.injectFrame)
        #expect(effects.publish == .found(Self.peer))
    }

    @Test func structWithoutPeerKeyIsNoMetadata() throws {
        // A frame whose Struct lacks x-envoy-peer-metadata: Any{type_url, value: Struct{}}.
        let typeURL = Array(PeerMetadataCodec.structTypeURL.utf8)
        let payload: [UInt8] = [0x0a, UInt8(typeURL.count)] + typeURL + [0x12, 0x00]
        var data = ByteBuffer()
        MetadataExchangeHeader(payloadLength: UInt32(payload.count)).write(to: &data)
        data.writeBytes(payload)
        var m = machine()
        let result = Self.feed([data], machine: &m)
        #expect(m.state == .done)
        #expect(result.published == .notFound(.noMetadata))
    }
}

/// A small deterministic generator for reproducible random tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
