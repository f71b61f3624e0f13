import Foundation

/// One fuzz target: a parser or handler driven with arbitrary bytes.
///
/// A driver is `@main enum FuzzSomething: FuzzTarget { static func run(_:) }`; the `main()`
/// below is the whole of the libFuzzer and replay glue, shared by every target:
///
/// - built with `-D FUZZING -sanitize=fuzzer,…` (`Tests/Fuzz/run.sh <target>`), `main()` hands
///   the command line to libFuzzer's driver (`LLVMFuzzerRunDriver`), which calls ``run(_:)``
///   with each input it generates or reads;
/// - in a normal build, `main()` is a replay tool: it runs ``run(_:)`` once on each file named on
///   the command line and prints `ok <file>`, so a crash input can be re-run without sanitizers.
public protocol FuzzTarget {
    /// Runs one input. Any bytes must end in a result, never a crash, a hang or a huge allocation.
    static func run(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension FuzzTarget {
    /// The entry point (see ``FuzzTarget``).
    public static func main() {
        FuzzDriver.main(run)
    }
}

/// The libFuzzer / replay entry points behind ``FuzzTarget``.
public enum FuzzDriver {
    /// The target's `run`, for the C callback libFuzzer calls (a `@convention(c)` function
    /// cannot capture it). Set once by ``main(_:)`` before the driver starts, read only after.
    nonisolated(unsafe) fileprivate static var body: ((UnsafeBufferPointer<UInt8>) -> Void)?

    /// Runs `run` under libFuzzer (`FUZZING` builds) or over the files named on the command line.
    public static func main(_ run: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
        #if FUZZING
        body = run
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runLibFuzzerDriver(&argc, &argv, fuzzSupportTestOneInput))
        #else
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            data.withUnsafeBytes { run($0.bindMemory(to: UInt8.self)) }
            print("ok \(path)")
        }
        exit(0)
        #endif
    }
}

#if FUZZING
/// libFuzzer's per-input callback (also the symbol its own `main` would look for).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSupportTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzDriver.body?(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM links debug executables with `main` aliased to `<Product>_main` (the `@main` type's
/// entry point), so libFuzzer's own `main` is never linked in; start its driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
