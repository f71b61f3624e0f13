import Foundation
import RelayConfig
import Testing

/// Replays the bootstrap fuzz corpus (`Tests/Fuzz/Corpus/bootstrap/`) through the loader in
/// every test run: each input must load or fail with a positioned ``ConfigError``, quickly.
/// An input that once crashed the fuzzer belongs in that directory, so it stays fixed.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus/bootstrap")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }

    @Test func corpusIsPresent() {
        #expect(Self.inputs.count >= 5)
    }

    @Test(arguments: inputs)
    func inputLoadsOrFailsWithPosition(_ name: String) throws {
        let data = try Data(contentsOf: Self.corpus.appendingPathComponent(name))
        let start = ContinuousClock.now
        do {
            _ = try BootstrapLoader().load(yaml: String(decoding: data, as: UTF8.self), fileName: name)
        } catch let error as ConfigError {
            #expect(error.mark.fileName == name)
            #expect(error.description.utf8.count < 10_000)
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
