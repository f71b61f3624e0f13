import Foundation

/// The demo's mesh CA and workload certificates, generated now (with the same script the
/// demo uses) in a temporary directory that is removed afterwards.
final class TestCertificates: Sendable {
    let directory: String

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Examples/bookinfo-tcp/gen-certs.sh").path
        directory = NSTemporaryDirectory() + "relay-certs-" + UUID().uuidString
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateError(message: "gen-certs.sh exited with \(process.terminationStatus)")
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
