import TLS
import Foundation
import TestSupport

/// Certificates and keys generated at test time with the `openssl` CLI into a temporary
/// directory (never committed). Built once per test process.
struct TestPKI: Sendable {
    let directory: URL
    let caPEM: String
    let serverChainPEM: String
    let serverKeyPEM: String
    let serverEncryptedKeyPEM: String
    let clientChainPEM: String
    let clientKeyPEM: String
    /// A client certificate signed by a CA the server does not trust.
    let rogueClientChainPEM: String
    let rogueClientKeyPEM: String
    /// A client certificate from the trusted CA with another SPIFFE identity.
    let otherClientChainPEM: String
    let otherClientKeyPEM: String

    static let serverSPIFFE = "spiffe://cluster.local/ns/default/sa/server"
    static let clientSPIFFE = "spiffe://cluster.local/ns/default/sa/client"
    static let otherSPIFFE = "spiffe://cluster.local/ns/other/sa/intruder"
    static let keyPassword = "s3cret"

    static let shared: TestPKI = {
        do {
            return try TestPKI.generate()
        } catch {
            preconditionFailure("test PKI generation failed: \(error)")
        }
    }()

    struct CommandError: Error, CustomStringConvertible {
        var description: String
    }

    private static func generate() throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-tls-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func run(_ arguments: [String]) throws {
            // `shared` is a synchronous `static let`, so this waits blocking (once per test
            // process); the spawn itself avoids Foundation's `Process` (see `ChildProcess`).
            let errorsPath = directory.appendingPathComponent("openssl-\(UUID().uuidString).err").path
            defer { try? FileManager.default.removeItem(atPath: errorsPath) }
            let process = try ChildProcess(
                ChildProcess.env, ["openssl"] + arguments, directory: directory.path, input: .inherit, output: .null,
                error: .file(errorsPath)
            )
            let termination = process.waitBlocking()
            guard termination.status == 0 else {
                let stderr = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
                throw CommandError(description: "openssl \(arguments.joined(separator: " ")): \(stderr)")
            }
        }
        func read(_ name: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        func makeCA(_ name: String) throws {
            try run(
                ["req", "-x509", "-new"] + ecKey + [
                    "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=\(name)",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ]
            )
        }
        var serial = 1
        func makeLeaf(_ name: String, ca: String, sans: String) throws {
            try run(["req", "-new"] + ecKey + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/O=Relay/CN=\(name)"])
            let extensions = """
                subjectAltName=\(sans)
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature
                extendedKeyUsage=serverAuth,clientAuth

                """
            try extensions.write(to: directory.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
            serial += 1
            try run([
                "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-set_serial", "\(serial)",
                "-days", "2", "-out", "\(name).pem", "-extfile", "\(name).ext",
            ])
        }
        try makeCA("ca")
        try makeCA("rogue-ca")
        try makeLeaf(
            "server",
            ca: "ca",
            sans: "URI:\(serverSPIFFE),DNS:server.example.com,DNS:*.svc.example.com,IP:127.0.0.1"
        )
        try makeLeaf("client", ca: "ca", sans: "URI:\(clientSPIFFE),DNS:client.example.com")
        try makeLeaf("rogue", ca: "rogue-ca", sans: "URI:\(clientSPIFFE)")
        try makeLeaf("other", ca: "ca", sans: "URI:\(otherSPIFFE)")
        try run(["pkey", "-in", "server.key", "-aes256", "-passout", "pass:\(keyPassword)", "-out", "server-enc.key"])
        return TestPKI(
            directory: directory,
            caPEM: try read("ca.pem"),
            serverChainPEM: try read("server.pem"),
            serverKeyPEM: try read("server.key"),
            serverEncryptedKeyPEM: try read("server-enc.key"),
            clientChainPEM: try read("client.pem"),
            clientKeyPEM: try read("client.key"),
            rogueClientChainPEM: try read("rogue.pem"),
            rogueClientKeyPEM: try read("rogue.key"),
            otherClientChainPEM: try read("other.pem"),
            otherClientKeyPEM: try read("other.key")
        )
    }

    /// Path of a generated file.
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    var serverCertificate: TLSCertificate {
        TLSCertificate(certificateChain: .inlineString(serverChainPEM), privateKey: .inlineString(serverKeyPEM))
    }

    var clientCertificate: TLSCertificate {
        TLSCertificate(certificateChain: .inlineString(clientChainPEM), privateKey: .inlineString(clientKeyPEM))
    }

    var trustingCA: CertificateValidationContext {
        CertificateValidationContext(trustedCA: .inlineString(caPEM))
    }

    /// A server context; tweak the configuration with `configure`.
    func serverContext(
        alpn: [String] = [],
        requireClientCertificate: Bool = false,
        validation: CertificateValidationContext? = nil,
        params: TLSParameters = TLSParameters()
    ) throws -> TLSContext {
        try TLSContext(
            configuration: DownstreamTLSContext(
                commonTLSContext: CommonTLSContext(
                    tlsParams: params,
                    tlsCertificates: [serverCertificate],
                    validationContext: validation,
                    alpnProtocols: alpn
                ),
                requireClientCertificate: requireClientCertificate
            )
        )
    }

    /// A client context.
    func clientContext(
        alpn: [String] = [],
        sni: String? = nil,
        certificate: TLSCertificate? = nil,
        validation: CertificateValidationContext? = nil,
        params: TLSParameters = TLSParameters()
    ) throws -> TLSContext {
        try TLSContext(
            configuration: UpstreamTLSContext(
                commonTLSContext: CommonTLSContext(
                    tlsParams: params,
                    tlsCertificates: certificate.map { [$0] } ?? [],
                    validationContext: validation,
                    alpnProtocols: alpn
                ),
                sni: sni
            )
        )
    }
}
