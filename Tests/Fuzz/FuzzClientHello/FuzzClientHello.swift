import TLS
import FuzzSupport
import NIOCore

/// libFuzzer target for the `tls_inspector` ClientHello parser: any peeked bytes must give
/// a result (need more data, not TLS, a ClientHello, or an error), never a crash.
///
/// Built with `-D FUZZING -sanitize=fuzzer,address` by `Tests/Fuzz/run.sh client-hello`; a
/// normal build makes a replay tool instead: `FuzzClientHello <file>...` runs each file once.
@main enum FuzzClientHello: FuzzTarget {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let parser = ClientHelloParser()
        _ = parser.parse(bytes)
        // Also as the inspector sees it: every prefix length a peek could return.
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let step = max(1, bytes.count / 8)
        var length = 0
        while length < bytes.count {
            _ = parser.parse(buffer.getSlice(at: 0, length: length)!)
            length += step
        }
        _ = ClientHelloParser(maxClientHelloSize: 512).parse(bytes)
    }
}
