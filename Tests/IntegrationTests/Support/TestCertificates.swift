import Foundation
import TestSupport

/// The demo's mesh CA and workload certificates, generated now (with the same script the
/// demo uses) in a temporary directory that is removed afterwards.
final class TestCertificates: Sendable {
    let directory: String

    init() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Examples/bookinfo-tcp/gen-certs.sh").path
        directory = NSTemporaryDirectory() + "relay-certs-" + UUID().uuidString
        let termination = try await ChildProcess(
            "/bin/bash", [script, directory], input: .inherit, output: .null, error: .inherit
        ).exit()
        guard termination.status == 0 else {
            throw CertificateError(message: "gen-certs.sh exited with \(termination.status)")
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct CertificateError: Error {
        let message: String
    }
}
