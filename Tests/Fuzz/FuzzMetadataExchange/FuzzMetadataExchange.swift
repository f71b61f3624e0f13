import FuzzSupport
import MetadataExchange
import NIOCore

/// libFuzzer target for Istio's metadata-exchange frame reader: bytes from the peer (header,
/// then a protobuf `Any` holding a `Struct`) fed to ``MetadataExchangeStateMachine`` whole
/// and split in two reads. Any input must end in a state, never a crash or a huge allocation.
///
/// Built with `-D FUZZING -sanitize=fuzzer,address` by `Tests/Fuzz/run.sh metadata-exchange`;
/// a normal build makes a replay tool instead: `FuzzMetadataExchange <file>...`.
@main enum FuzzMetadataExchange: FuzzTarget {
    static let alpn = "istio-peer-exchange"

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Whole input in one read, then end of stream.
        var machine = MetadataExchangeStateMachine(expectedProtocol: alpn, maxPayloadBytes: 1 << 16, additionalLabels: ["role"])
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        _ = machine.onData(&buffer, endStream: false, negotiatedProtocol: alpn)
        _ = machine.onData(&buffer, endStream: true, negotiatedProtocol: alpn)

        // Split in two reads at a point chosen by the first byte, as the filter manager
        // re-presents the undrained buffer plus the new bytes.
        guard let first = bytes.first else { return }
        let split = Int(first) % (bytes.count + 1)
        var splitMachine = MetadataExchangeStateMachine(expectedProtocol: alpn, maxPayloadBytes: 1 << 16)
        var pending = ByteBufferAllocator().buffer(capacity: bytes.count)
        pending.writeBytes(UnsafeBufferPointer(rebasing: bytes[..<split]))
        _ = splitMachine.onData(&pending, endStream: false, negotiatedProtocol: alpn)
        pending.writeBytes(UnsafeBufferPointer(rebasing: bytes[split...]))
        _ = splitMachine.onData(&pending, endStream: true, negotiatedProtocol: alpn)
    }
}
