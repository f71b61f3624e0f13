import BundledFilters
import FuzzSupport
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
@main enum FuzzBootstrapLoader: FuzzTarget {
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
