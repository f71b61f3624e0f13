import IstioPeer
import MetadataExchange
import NIOCore
import Relay
import Testing

@Suite struct PeerMetadataCodecTests {
    /// The hand-encoded frame of spec §1.4.
    static let specFrame: [UInt8] = [
        0x3d, 0x23, 0x04, 0x67, 0x00, 0x00, 0x00, 0xa5, 0x0a, 0x2a, 0x74, 0x79, 0x70, 0x65, 0x2e, 0x67,
        0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x61, 0x70, 0x69, 0x73, 0x2e, 0x63, 0x6f, 0x6d, 0x2f, 0x67, 0x6f,
        0x6f, 0x67, 0x6c, 0x65, 0x2e, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x62, 0x75, 0x66, 0x2e, 0x53, 0x74,
        0x72, 0x75, 0x63, 0x74, 0x12, 0x77, 0x0a, 0x53, 0x0a, 0x15, 0x78, 0x2d, 0x65, 0x6e, 0x76, 0x6f,
        0x79, 0x2d, 0x70, 0x65, 0x65, 0x72, 0x2d, 0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74, 0x61, 0x12,
        0x3a, 0x2a, 0x38, 0x0a, 0x1e, 0x0a, 0x06, 0x4c, 0x41, 0x42, 0x45, 0x4c, 0x53, 0x12, 0x14, 0x2a,
        0x12, 0x0a, 0x10, 0x0a, 0x03, 0x61, 0x70, 0x70, 0x12, 0x09, 0x1a, 0x07, 0x72, 0x61, 0x74, 0x69,
        0x6e, 0x67, 0x73, 0x0a, 0x16, 0x0a, 0x09, 0x4e, 0x41, 0x4d, 0x45, 0x53, 0x50, 0x41, 0x43, 0x45,
        0x12, 0x09, 0x1a, 0x07, 0x64, 0x65, 0x66, 0x61, 0x75, 0x6c, 0x74, 0x0a, 0x20, 0x0a, 0x18, 0x78,
        0x2d, 0x65, 0x6e, 0x76, 0x6f, 0x79, 0x2d, 0x70, 0x65, 0x65, 0x72, 0x2d, 0x6d, 0x65, 0x74, 0x61,
        0x64, 0x61, 0x74, 0x61, 0x2d, 0x69, 0x64, 0x12, 0x04, 0x1a, 0x02, 0x6e, 0x31,
    ]

    @Test func producesTheSpecFrameByteForByte() throws {
        let workload = WorkloadMetadata(namespace: "default", app: "ratings")
        let frame = try PeerMetadataCodec.frame(for: workload, nodeID: "n1")
        #expect(frame.readableBytes == 173)
        #expect(Array(frame.readableBytesView) == Self.specFrame)
    }

    @Test func parsesTheSpecFrameBack() throws {
        var buffer = ByteBuffer(bytes: Self.specFrame)
        buffer.moveReaderIndex(forwardBy: MetadataExchangeHeader.size)
        let peer = try PeerMetadataCodec.parse(payload: buffer, additionalLabels: [])
        #expect(peer == WorkloadMetadata(namespace: "default", app: "ratings"))
    }

    @Test func emptyLabelsAreStillSent() throws {
        let payload = try PeerMetadataCodec.payload(for: WorkloadMetadata(namespace: "ns"), nodeID: "")
        // "LABELS" key followed by Value{struct_value{}}: 12 02 2a 00.
        let labels: [UInt8] = Array("LABELS".utf8) + [0x12, 0x02, 0x2a, 0x00]
        #expect(payload.firstRange(of: labels) != nil)
    }

    @Test func normalisesNodeMetadataAsIstio() throws {
        let node: [String: MetadataValue] = [
            "NAME": .string("ratings-v2-abc"),
            "NAMESPACE": .string("default"),
            "WORKLOAD_NAME": .string("ratings-v2"),
            "CLUSTER_ID": .string("Kubernetes"),
            "OWNER": .string("kubernetes://apis/apps/v1/namespaces/default/deployments/ratings-v2"),
            "INSTANCE_IPS": .string("10.0.0.1"),
            "LABELS": .object([
                "app": .string("ratings"),
                "app.kubernetes.io/name": .string("ratings-k8s"),
                "version": .string("v2"),
                "service.istio.io/canonical-name": .string("ratings"),
                "service.istio.io/canonical-revision": .string("v2"),
                "team": .string("bookinfo"),
                "pod-template-hash": .string("abc"),
            ]),
        ]
        let workload = WorkloadMetadata(nodeMetadata: node, additionalLabels: ["team"])
        #expect(workload.app == "ratings-k8s")
        #expect(workload.ownerType == .deployment)
        #expect(workload.additionalLabels == ["team": "bookinfo"])
        let frame = try PeerMetadataCodec.frame(for: workload, nodeID: "sidecar~1")
        var payload = frame
        payload.moveReaderIndex(forwardBy: MetadataExchangeHeader.size)
        let back = try PeerMetadataCodec.parse(payload: payload, additionalLabels: ["team"])
        #expect(back == workload)
        let withoutExtra = try PeerMetadataCodec.parse(payload: payload, additionalLabels: [])
        #expect(withoutExtra?.additionalLabels == [:])
        #expect(withoutExtra?.canonicalName == "ratings")
    }

    @Test func statefulSetOwnerIsLeftOut() {
        let owner = WorkloadMetadata.ownerType(fromOwner: "kubernetes://apis/apps/v1/namespaces/default/statefulsets/db")
        #expect(owner == nil)
    }

    @Test func rejectsANonStructAny() throws {
        // Any{type_url: ".../google.protobuf.Duration"}.
        let typeURL = Array("type.googleapis.com/google.protobuf.Duration".utf8)
        let bytes: [UInt8] = [0x0a, UInt8(typeURL.count)] + typeURL
        #expect(throws: PeerMetadataCodec.ParseError.self) {
            try PeerMetadataCodec.parse(payload: ByteBuffer(bytes: bytes), additionalLabels: [])
        }
    }
}
