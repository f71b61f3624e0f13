import Foundation
import IstioPeer
import NIOCore
import Relay
import SwiftProtobuf

/// Istio's exchanged payload: a `google.protobuf.Any` holding a `google.protobuf.Struct` with
/// `x-envoy-peer-metadata` (the normalised workload) and `x-envoy-peer-metadata-id` (the node
/// id), serialised deterministically (sorted keys), behind a ``MetadataExchangeHeader``.
public enum PeerMetadataCodec {
    /// The Any's type URL.
    public static let structTypeURL = "type.googleapis.com/google.protobuf.Struct"
    /// The key of the peer's metadata.
    public static let metadataKey = "x-envoy-peer-metadata"
    /// The key of the peer's node id.
    public static let metadataIDKey = "x-envoy-peer-metadata-id"

    /// The whole frame (header + payload) a node sends.
    public static func frame(for workload: WorkloadMetadata, nodeID: String) throws -> ByteBuffer {
        let payload = try payload(for: workload, nodeID: nodeID)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(MetadataExchangeHeader.size + payload.count)
        MetadataExchangeHeader(payloadLength: UInt32(payload.count)).write(to: &buffer)
        buffer.writeBytes(payload)
        return buffer
    }

    /// The serialised Any.
    public static func payload(for workload: WorkloadMetadata, nodeID: String) throws -> [UInt8] {
        var outer = Google_Protobuf_Struct()
        outer.fields[metadataKey] = structValue(metadataStruct(workload))
        if !nodeID.isEmpty {
            outer.fields[metadataIDKey] = stringValue(nodeID)
        }
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        var any = Google_Protobuf_Any()
        any.typeURL = structTypeURL
        any.value = Data(try outer.serializedBytes(options: options) as [UInt8])
        return try any.serializedBytes(options: options)
    }

    /// The `x-envoy-peer-metadata` struct for a workload (Istio 1.24+ keys; empty values left
    /// out, except `LABELS`, which is always present).
    public static func metadataStruct(_ workload: WorkloadMetadata) -> Google_Protobuf_Struct {
        var fields: [String: Google_Protobuf_Value] = [:]
        func put(_ key: String, _ value: String) {
            if !value.isEmpty { fields[key] = stringValue(value) }
        }
        put("NAME", workload.name)
        put("NAMESPACE", workload.namespace)
        put("WORKLOAD_NAME", workload.workloadName)
        put("CLUSTER_ID", workload.clusterID)
        put("IDENTITY", workload.identity)
        put("REGION", workload.region)
        put("AVAILABILITY_ZONE", workload.availabilityZone)
        if let owner = workload.owner { put("OWNER", owner) }
        var labels = Google_Protobuf_Struct()
        func label(_ key: String, _ value: String) {
            if !value.isEmpty { labels.fields[key] = stringValue(value) }
        }
        label(WorkloadMetadata.LabelKey.canonicalName, workload.canonicalName)
        label(WorkloadMetadata.LabelKey.canonicalRevision, workload.canonicalRevision)
        label(WorkloadMetadata.LabelKey.app, workload.app)
        label(WorkloadMetadata.LabelKey.version, workload.version)
        for (key, value) in workload.additionalLabels { label(key, value) }
        fields["LABELS"] = structValue(labels)
        var result = Google_Protobuf_Struct()
        result.fields = fields
        return result
    }

    /// Why a payload could not be read.
    public enum ParseError: Error, Hashable, Sendable {
        /// Not a serialised `google.protobuf.Any`.
        case notAnAny
        /// The Any does not hold a `google.protobuf.Struct`.
        case wrongType(String)
        /// The Struct inside did not parse.
        case badStruct
    }

    /// Parses a payload into the peer's workload, or nil when it has no `x-envoy-peer-metadata`.
    public static func parse(payload: ByteBuffer, additionalLabels: [String]) throws(ParseError) -> WorkloadMetadata? {
        let any: Google_Protobuf_Any
        do {
            any = try payload.withUnsafeReadableBytes { bytes in
                try Google_Protobuf_Any(serializedBytes: Array(bytes))
            }
        } catch {
            throw .notAnAny
        }
        // protobuf's UnpackTo only compares the part after the last '/'.
        let typeName = any.typeURL.split(separator: "/").last.map(String.init) ?? ""
        guard typeName == "google.protobuf.Struct" else { throw .wrongType(any.typeURL) }
        let outer: Google_Protobuf_Struct
        do {
            outer = try Google_Protobuf_Struct(serializedBytes: [UInt8](any.value))
        } catch {
            throw .badStruct
        }
        guard let peer = outer.fields[metadataKey], case .structValue(let fields)? = peer.kind else { return nil }
        let metadata = fields.fields.mapValues(metadataValue)
        return WorkloadMetadata(nodeMetadata: metadata, additionalLabels: additionalLabels)
    }

    static func metadataValue(_ value: Google_Protobuf_Value) -> MetadataValue {
        switch value.kind {
        case .nullValue?, nil: return .null
        case .numberValue(let number)?: return .number(number)
        case .stringValue(let string)?: return .string(string)
        case .boolValue(let bool)?: return .bool(bool)
        case .structValue(let fields)?: return .object(fields.fields.mapValues(metadataValue))
        case .listValue(let list)?: return .list(list.values.map(metadataValue))
        }
    }

    private static func stringValue(_ text: String) -> Google_Protobuf_Value {
        var value = Google_Protobuf_Value()
        value.kind = .stringValue(text)
        return value
    }

    private static func structValue(_ fields: Google_Protobuf_Struct) -> Google_Protobuf_Value {
        var value = Google_Protobuf_Value()
        value.kind = .structValue(fields)
        return value
    }
}
