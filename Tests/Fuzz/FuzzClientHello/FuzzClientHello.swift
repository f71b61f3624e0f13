import TLS
import Foundation
import NIOCore

/// libFuzzer target for the `tls_inspector` ClientHello parser: any peeked bytes must give
/// a result (need more data, not TLS, a ClientHello, or an error), never a crash.
///
/// Built with `-D FUZZING -sanitize=fuzzer,address` by `Tests/Fuzz/run.sh client-hello`; a
/// normal build makes a replay tool instead: `FuzzClientHello <file>...` runs each file once.
enum FuzzClientHello {
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

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientHello(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzClientHello.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM links debug executables with `main` aliased to `FuzzClientHello_main` (so tests can
/// import them); hand control to libFuzzer's driver from there.
@_cdecl("FuzzClientHello_main")
public func fuzzClientHelloMain(
    _ argc: CInt,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var argc = argc
    var argv = argv
    return runLibFuzzerDriver(&argc, &argv, fuzzClientHello)
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#else
@main enum FuzzClientHelloReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            data.withUnsafeBytes { FuzzClientHello.run($0.bindMemory(to: UInt8.self)) }
            print("ok \(path)")
        }
    }
}
#endif
