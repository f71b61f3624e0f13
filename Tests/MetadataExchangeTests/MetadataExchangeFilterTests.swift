import IstioPeer
import Logging
import MetadataExchange
import NIOCore
import NIOEmbedded
import Relay
import RelayTestKit
import Testing

/// The metadata-exchange network filter on an in-memory connection with a faked negotiated
/// ALPN: what the application sees, what goes on the wire and in which order, what is
/// published in filter state, and the counters by their full names.
@Suite struct MetadataExchangeFilterTests {
    struct NoClusters: ClusterManager {
        func cluster(named name: String) -> (any UpstreamCluster)? { nil }
    }

    static let alpn = "istio-peer-exchange"

    static let local = LocalInfo(
        nodeID: "sidecar~10.0.0.2~mongodb-v1-abc.default~default.svc.cluster.local",
        metadata: [
            "NAME": .string("mongodb-v1-abc"),
            "NAMESPACE": .string("default"),
            "WORKLOAD_NAME": .string("mongodb-v1"),
            "CLUSTER_ID": .string("Kubernetes"),
            "LABELS": .object([
                "app": .string("mongodb"),
                "version": .string("v1"),
                "service.istio.io/canonical-name": .string("mongodb"),
                "service.istio.io/canonical-revision": .string("v1"),
            ]),
        ]
    )

    static let peer = WorkloadMetadata(
        name: "ratings-v2-xyz",
        namespace: "default",
        workloadName: "ratings-v2",
        clusterID: "Kubernetes",
        canonicalName: "ratings",
        canonicalRevision: "v2",
        app: "ratings",
        version: "v2"
    )

    /// What the peer sends.
    static func peerFrame() -> ByteBuffer {
        try! PeerMetadataCodec.frame(for: peer, nodeID: "sidecar~10.0.0.1~ratings-v2-xyz.default~default.svc.cluster.local")
    }

    /// What this node must send.
    static func ourFrame() -> ByteBuffer {
        try! PeerMetadataCodec.frame(for: local.workloadMetadata(additionalLabels: []), nodeID: local.nodeID)
    }

    struct Setup {
        let shared: MetadataExchangeFilter.Shared
        let store: StatsStore
        let direction: MetadataExchangeDirection

        func install(_ builder: inout FilterChainBuilder) {
            switch direction {
            case .downstream: MetadataExchangeFilter.Factory().makeFilters(shared, into: &builder)
            case .upstream: MetadataExchangeFilter.UpstreamFactory().makeFilters(shared, into: &builder)
            }
        }

        var key: FilterStateKey<PeerLookup> { direction == .downstream ? .downstreamPeer : .upstreamPeer }

        func counter(_ name: String) -> UInt64 {
            store.existingCounter(name)?.value ?? 0
        }

        /// Every `metadata_exchange.*` counter that is not zero.
        var nonZero: [String: UInt64] {
            var result: [String: UInt64] = [:]
            for counter in store.snapshot().counters where counter.value > 0 {
                let name = counter.name.tagExtractedName
                if name.hasPrefix("metadata_exchange.") { result[name] = counter.value }
            }
            return result
        }
    }

    func setup(_ direction: MetadataExchangeDirection = .downstream, maxPayloadBytes: Int = 64 * 1024) throws -> Setup {
        let store = StatsStore()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let context = FactoryContext(
            stats: store,
            scope: store.root,
            clusterManager: NoClusters(),
            localInfo: Self.local,
            trafficDirection: direction == .downstream ? .inbound : .outbound,
            logger: logger
        )
        let config = MetadataExchangeConfig(protocol: Self.alpn, maxPayloadBytes: maxPayloadBytes)
        let shared: MetadataExchangeFilter.Shared
        switch direction {
        case .downstream: shared = try MetadataExchangeFilter.Factory().prepare(config, context: context)
        case .upstream: shared = try MetadataExchangeFilter.UpstreamFactory().prepare(config, context: context)
        }
        return Setup(shared: shared, store: store, direction: direction)
    }

    func harness(_ setup: Setup, alpn: String? = Self.alpn, halfClose: Bool = false) -> FilterHarness {
        FilterHarness(
            halfClose: halfClose,
            tls: alpn.map { TLSConnectionInfo(alpn: $0, version: "TLSv1.3") },
            isUpstream: setup.direction == .upstream
        ) { setup.install(&$0) }
    }

    static func concat(_ parts: ByteBuffer...) -> ByteBuffer {
        var result = ByteBuffer()
        for var part in parts { result.writeBuffer(&part) }
        return result
    }

    // MARK: - The frame never reaches the application

    @Test func thePeersFrameIsStrippedAndTheRestPassesByteExact() throws {
        let setup = try setup()
        let harness = harness(setup)
        let app = ByteBuffer(bytes: (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        harness.receive(Self.concat(Self.peerFrame(), app))
        #expect(harness.forwarded == app)
        #expect(harness.connection.filterState[.downstreamPeer] == .found(Self.peer))
        #expect(harness.connection.filterState[.upstreamPeer] == nil)
    }

    @Test func aFrameArrivingOneByteAtATimeIsNeverForwarded() throws {
        let setup = try setup()
        let harness = harness(setup)
        let frame = Self.peerFrame()
        for byte in frame.readableBytesView {
            harness.receive([byte])
            #expect(harness.forwarded.readableBytes == 0)
        }
        #expect(harness.connection.filterState[.downstreamPeer] == .found(Self.peer))
        harness.receive("after the frame")
        harness.receive(Self.peerFrame())  // a second frame is application data now
        #expect(harness.forwarded == Self.concat(ByteBuffer(string: "after the frame"), Self.peerFrame()))
        // One wait per short read before the 8 header bytes were there.
        #expect(setup.counter("metadata_exchange.initial_header_not_found") == 7)
        #expect(setup.counter("metadata_exchange.alpn_protocol_found") == 1)
        #expect(setup.counter("metadata_exchange.metadata_added") == 1)
    }

    // MARK: - Our frame goes first

    @Test func ourFrameIsWrittenBeforeTheFirstApplicationWriteAndOnlyOnce() throws {
        let setup = try setup()
        let harness = harness(setup)
        #expect(harness.written.readableBytes == 0)  // nothing at connect time
        harness.write("PING\r\n")
        harness.write("PING2\r\n")
        #expect(harness.written == Self.concat(Self.ourFrame(), ByteBuffer(string: "PING\r\nPING2\r\n")))
        harness.receive(Self.concat(Self.peerFrame(), ByteBuffer(string: "PONG\r\n")))
        #expect(harness.forwardedString == "PONG\r\n")
        #expect(setup.nonZero == ["metadata_exchange.alpn_protocol_found": 1, "metadata_exchange.metadata_added": 1])
    }

    @Test func thePeersFirstBytesTriggerOurFrameForServerFirstProtocols() throws {
        let setup = try setup(.upstream)
        let harness = harness(setup)
        // The server speaks first: its frame and greeting arrive before we wrote anything.
        harness.receive(Self.concat(Self.peerFrame(), ByteBuffer(string: "220 ready\r\n")))
        #expect(harness.written == Self.ourFrame())
        #expect(harness.forwardedString == "220 ready\r\n")
        harness.write("HELO\r\n")
        #expect(harness.written == Self.concat(Self.ourFrame(), ByteBuffer(string: "HELO\r\n")))
        #expect(harness.connection.filterState[.upstreamPeer] == .found(Self.peer))
        #expect(harness.connection.filterState[.downstreamPeer] == nil)
        #expect(setup.nonZero == ["metadata_exchange.alpn_protocol_found": 1, "metadata_exchange.metadata_added": 1])
    }

    // MARK: - Writes before the transport is connected

    /// A transport that records writes (the harness always connects at once, so the
    /// not-yet-connected case is built by hand).
    final class RecordingTransport: ConnectionTransport {
        var written = ByteBuffer()
        var shutdowns = 0
        var writtenAtShutdown: Int?
        func write(_ data: ByteBuffer) {
            var data = data
            written.writeBuffer(&data)
        }
        func shutdownWrite() {
            shutdowns += 1
            writtenAtShutdown = written.readableBytes
        }
        func close(_ mode: TransportCloseMode) {}
        func setReadEnabled(_ enabled: Bool) {}
    }

    func unconnected(_ setup: Setup) -> (NetworkConnection, RecordingTransport, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let transport = RecordingTransport()
        let connection = NetworkConnection(
            id: NetworkConnection.nextID(),
            transport: transport,
            dispatcher: Dispatcher(eventLoop: loop),
            streamInfo: StreamInfo(startTime: loop.now),
            isUpstream: setup.direction == .upstream
        )
        var builder = FilterChainBuilder(connection: connection)
        setup.install(&builder)
        _ = connection.initializeReadFilters()
        return (connection, transport, loop)
    }

    @Test func writesBeforeConnectedAreHeldThenFlushedAfterOurFrame() throws {
        let setup = try setup()
        let (connection, transport, loop) = unconnected(setup)
        #expect(!connection.isConnected)
        connection.write(ByteBuffer(string: "220 early greeting\r\n"))
        connection.write(ByteBuffer(string: "more"))
        loop.run()
        #expect(transport.written.readableBytes == 0)
        #expect(setup.nonZero.isEmpty)  // the ALPN is not known yet

        connection.transportConnected(tls: TLSConnectionInfo(alpn: Self.alpn))
        loop.run()
        #expect(transport.written == Self.concat(Self.ourFrame(), ByteBuffer(string: "220 early greeting\r\nmore")))
        connection.write(ByteBuffer(string: "!"))
        #expect(transport.written == Self.concat(Self.ourFrame(), ByteBuffer(string: "220 early greeting\r\nmore!")))
        #expect(setup.nonZero == ["metadata_exchange.alpn_protocol_found": 1, "metadata_exchange.metadata_added": 1])
    }

    @Test func aHeldEndOfStreamIsSentAfterTheHeldBytes() throws {
        let setup = try setup()
        let (connection, transport, loop) = unconnected(setup)
        connection.write(ByteBuffer(string: "bye"), endStream: true)
        loop.run()
        #expect(transport.shutdowns == 0)
        connection.transportConnected(tls: TLSConnectionInfo(alpn: Self.alpn))
        loop.run()
        #expect(transport.written == Self.concat(Self.ourFrame(), ByteBuffer(string: "bye")))
        #expect(transport.shutdowns == 1)
        #expect(transport.writtenAtShutdown == Self.ourFrame().readableBytes + 3)
    }

    @Test func heldWritesOnAConnectionThatNegotiatedAnotherALPNGoOutUntouched() throws {
        let setup = try setup()
        let (connection, transport, loop) = unconnected(setup)
        connection.write(ByteBuffer(string: "early"))
        connection.transportConnected(tls: TLSConnectionInfo(alpn: "istio"))
        loop.run()
        #expect(transport.written == ByteBuffer(string: "early"))
        #expect(connection.filterState[.downstreamPeer] == .notFound(.alpnNotNegotiated))
        #expect(
            setup.nonZero == [
                "metadata_exchange.alpn_protocol_not_found": 1,
                "metadata_exchange.peer_not_found.alpn_not_negotiated": 1,
            ]
        )
    }

    // MARK: - No exchange

    @Test(arguments: ["istio", "h2", ""])
    func anotherALPNPassesThroughUntouched(alpn: String) throws {
        let setup = try setup()
        let harness = harness(setup, alpn: alpn)
        // Even bytes that look like a frame are the application's.
        harness.receive(Self.concat(Self.peerFrame(), ByteBuffer(string: "tail")))
        harness.write("reply")
        #expect(harness.forwarded == Self.concat(Self.peerFrame(), ByteBuffer(string: "tail")))
        #expect(harness.writtenString == "reply")
        #expect(harness.connection.filterState[.downstreamPeer] == .notFound(.alpnNotNegotiated))
        #expect(
            setup.nonZero == [
                "metadata_exchange.alpn_protocol_not_found": 1,
                "metadata_exchange.peer_not_found.alpn_not_negotiated": 1,
            ]
        )
        // The full names exist (at zero) for the other outcomes too.
        #expect(setup.store.existingCounter("metadata_exchange.alpn_protocol_found")?.value == 0)
        #expect(setup.store.existingCounter("metadata_exchange.metadata_added")?.value == 0)
    }

    @Test func plaintextPassesThroughUntouchedOnTheUpstreamSide() throws {
        let setup = try setup(.upstream)
        let harness = harness(setup, alpn: nil)
        harness.write("GET / HTTP/1.0\r\n\r\n")
        harness.receive("HTTP/1.0 200 OK\r\n\r\n")
        #expect(harness.writtenString == "GET / HTTP/1.0\r\n\r\n")
        #expect(harness.forwardedString == "HTTP/1.0 200 OK\r\n\r\n")
        #expect(harness.connection.filterState[.upstreamPeer] == .notFound(.alpnNotNegotiated))
        #expect(setup.counter("metadata_exchange.alpn_protocol_not_found") == 1)
        #expect(setup.counter("metadata_exchange.peer_not_found.alpn_not_negotiated") == 1)
    }

    @Test func aPeerWithoutTheFilterIsAMagicMismatchAndItsBytesPassUntouched() throws {
        let setup = try setup()
        let harness = harness(setup)
        harness.receive("*1\r\n$4\r\nPING\r\n")
        #expect(harness.forwardedString == "*1\r\n$4\r\nPING\r\n")
        // We negotiated the ALPN, so our frame went out anyway (Istio leaks it the same way).
        #expect(harness.written == Self.ourFrame())
        #expect(harness.connection.filterState[.downstreamPeer] == .notFound(.magicMismatch))
        #expect(
            setup.nonZero == [
                "metadata_exchange.alpn_protocol_found": 1,
                "metadata_exchange.metadata_added": 1,
                "metadata_exchange.initial_header_not_found": 1,
                "metadata_exchange.peer_not_found.magic_mismatch": 1,
            ]
        )
    }

    @Test func anOversizedPayloadClosesTheConnection() throws {
        let setup = try setup(maxPayloadBytes: 16)
        let harness = harness(setup)
        harness.receive(Self.peerFrame())
        #expect(harness.forwarded.readableBytes == 0)
        #expect(harness.connection.state == .closed)
        #expect(harness.connection.filterState[.downstreamPeer] == .notFound(.payloadTooLarge))
        #expect(setup.counter("metadata_exchange.payload_too_large") == 1)
        #expect(setup.counter("metadata_exchange.peer_not_found.payload_too_large") == 1)
    }

    /// A peer announcing the largest length the header can carry (4 GiB - 1) is refused on the
    /// 8-byte header alone, at the default limit: nothing waits for, or allocates, the payload.
    @Test func aFourGiBLengthIsRefusedOnTheHeaderAlone() throws {
        let setup = try setup()
        let harness = harness(setup)
        var header = ByteBuffer()
        MetadataExchangeHeader(payloadLength: UInt32.max).write(to: &header)
        #expect(header.readableBytes == MetadataExchangeHeader.size)
        harness.receive(header)
        #expect(harness.connection.state == .closed)
        #expect(harness.forwarded.readableBytes == 0)
        #expect(harness.connection.filterState[.downstreamPeer] == .notFound(.payloadTooLarge))
        #expect(setup.counter("metadata_exchange.payload_too_large") == 1)
    }

    @Test func endOfStreamInsideTheFrameIsClosedEarly() throws {
        let setup = try setup()
        let harness = harness(setup, halfClose: true)
        var frame = Self.peerFrame()
        let part = frame.readSlice(length: 20)!
        harness.receive(part)
        #expect(harness.forwarded.readableBytes == 0)
        harness.receiveEndOfStream()
        #expect(harness.connection.filterState[.downstreamPeer] == .notFound(.closedEarly))
        #expect(setup.counter("metadata_exchange.peer_not_found.closed_early") == 1)
        // What was held is released with the end of stream.
        #expect(harness.forwarded == ByteBuffer(bytes: Array(Self.peerFrame().readableBytesView.prefix(20)).dropFirst(8)))
        #expect(harness.forwardedEndStream)
    }
}
