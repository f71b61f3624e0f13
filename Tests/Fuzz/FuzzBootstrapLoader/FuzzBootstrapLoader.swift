import BundledFilters
import Foundation
import Logging
import Relay
import RelayConfig
import RelayServer

/// libFuzzer target for the whole bootstrap load path of `relay --mode validate`: bytes →
/// YAML → ``ConfigNode`` → ``Bootstrap`` → every typed config resolved through the bundled
/// filter registry. Any input must either load or throw a positioned ``ConfigError``;
/// crashes, hangs and runaway allocations are the bugs this hunts.
///
/// Built with `-D FUZZING -sanitize=fuzzer,address` by `Tests/Fuzz/run.sh bootstrap`; a
/// normal build makes a replay tool instead: `FuzzBootstrapLoader <file>...` runs each file once.
enum FuzzBootstrapLoader {
    static let registry = FilterRegistry.bundled
    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let yaml = String(decoding: bytes, as: UTF8.self)
        do {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "fuzz.yaml", registry: registry, logger: logger)
        } catch let error as ConfigError {
            // Rendering the error is part of the path (source excerpts, carets).
            _ = error.description
        } catch {
            fatalError("load threw a non-ConfigError: \(error)")
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBootstrapLoader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzBootstrapLoader.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM links debug executables with `main` aliased to `FuzzBootstrapLoader_main` (so tests can
/// import them); hand control to libFuzzer's driver from there.
@_cdecl("FuzzBootstrapLoader_main")
public func fuzzBootstrapLoaderMain(
    _ argc: CInt,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var argc = argc
    var argv = argv
    return runLibFuzzerDriver(&argc, &argv, fuzzBootstrapLoader)
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#else
@main enum FuzzBootstrapLoaderReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            data.withUnsafeBytes { FuzzBootstrapLoader.run($0.bindMemory(to: UInt8.self)) }
            print("ok \(path)")
        }
    }
}
#endif
