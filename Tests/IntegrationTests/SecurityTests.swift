import BundledFilters
import Foundation
import Logging
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Synchronization
import Testing

/// Security properties (issue 9): private keys never leave the process (not in
/// `/config_dump`, any other admin endpoint, any log line at any level, or a config error),
/// and the admin server binds only where the bootstrap says.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct SecurityTests {
    /// Every log event at every level, with its metadata.
    final class LogCapture: Sendable {
        let lines = Mutex<[String]>([])

        var logger: Logger {
            var logger = Logger(label: "security-test") { _ in Handler(capture: self) }
            logger.logLevel = .trace
            return logger
        }

        var text: String { lines.withLock { $0.joined(separator: "\n") } }

        struct Handler: LogHandler {
            let capture: LogCapture
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let merged = metadata.merging(event.metadata ?? [:]) { $1 }
                capture.lines.withLock { $0.append("\(event.level) \(event.source) \(event.message) \(merged)") }
            }
        }
    }

    /// The secret parts of a PEM private key: its base64 lines (header and footer are public).
    static func material(ofPEM pem: String) -> [String] {
        pem.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 16 }
    }

    /// `text` as a YAML double-quoted scalar on one line.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A DownstreamTlsContext transport socket at chain level (6 spaces) with one certificate
    /// whose private key is inline.
    static func tlsChain(certificate: String, privateKey: String) -> String {
        """
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  common_tls_context:
                    tls_certificates:
                    - certificate_chain: { filename: "\(certificate)" }
                      private_key: { inline_string: \(privateKey) }
        """
    }

    @Test func privateKeysNeverLeaveTheProcess() async throws {
        let certs = try await TestCertificates()
        let inlineKey = try String(contentsOfFile: certs.path("mongodb.key"), encoding: .utf8)
        let bytesKey = try String(contentsOfFile: certs.path("ratings-v2.key"), encoding: .utf8)
        let material = Self.material(ofPEM: inlineKey) + Self.material(ofPEM: bytesKey) + [Data(bytesKey.utf8).base64EncodedString()]
        try #require(material.count >= 4)
        let yaml = TestBootstrap.tcpProxy(
            backends: [1],
            top: TestBootstrap.admin,
            resources: """
                  secrets:
                  - name: bytes-key
                    tls_certificate:
                      certificate_chain: { filename: "\(certs.path("ratings-v2.crt"))" }
                      private_key: { inline_bytes: "\(Data(bytesKey.utf8).base64EncodedString())" }
                  - name: file-key
                    tls_certificate:
                      certificate_chain: { filename: "\(certs.path("ratings-v2.crt"))" }
                      private_key: { filename: "\(certs.path("ratings-v2.key"))" }
                """,
            chain: Self.tlsChain(certificate: certs.path("mongodb.crt"), privateKey: Self.quoted(inlineKey)),
            cluster: """
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                          tls_certificate_sds_secret_configs: [{ name: bytes-key }]
                """,
            connectTimeout: "1s"
        )
        let logs = LogCapture()
        let configuration = try ServerConfiguration.load(yaml: yaml, fileName: "secure.yaml", registry: .bundled, logger: logs.logger)
        // As `relay --config-yaml`, which /server_info echoes (as Envoy does).
        var options = CommandLineOptions()
        options.configYAML = yaml
        let server = RelayServer(configuration: configuration, concurrency: 1, drainTime: .seconds(1), options: options, logger: logs.logger)
        try await server.start()
        let admin = try #require(server.adminAddress?.port)
        let front = try #require(server.listenerAddresses["front"]?.port)
        // A failed handshake and a connection that gets as far as the (unreachable) upstream.
        _ = try? await sendRaw(port: front, Array("not a ClientHello\r\n".utf8))

        let dump = try await AdminClient.request(port: admin, "/config_dump")
        #expect(dump.status == 200)
        // Envoy's redaction: strings become "[redacted]", bytes its base64; the shape stays.
        #expect(dump.body.contains(#""private_key":{"inline_string":"[redacted]"}"#))
        #expect(dump.body.contains(#""private_key":{"inline_bytes":"W3JlZGFjdGVkXQ=="}"#))
        #expect(dump.body.contains(#""private_key":{"filename":"[redacted]"}"#))
        #expect(dump.body.contains(certs.path("mongodb.crt")), "certificate paths are not secret")
        #expect((try JSONSerialization.jsonObject(with: Data(dump.body.utf8)) as? [String: Any])?["configs"] is [Any])

        let info = try await AdminClient.request(port: admin, "/server_info")
        #expect(info.body.contains("[redacted]"), "config_yaml is shown, redacted")
        var exposed = dump.body + info.body
        for path in ["/listeners", "/clusters?format=json", "/stats", "/stats?format=json", "/stats/prometheus"] {
            exposed += try await AdminClient.request(port: admin, path).body
        }
        await server.stop()
        for secret in material {
            #expect(!exposed.contains(secret), "admin output shows key material")
            #expect(!logs.text.contains(secret), "a log line shows key material")
        }
        #expect(!exposed.contains(certs.path("ratings-v2.key")), "the key file's path is redacted as Envoy does")
        #expect(!logs.text.isEmpty, "the trace-level logger saw the run")
    }

    /// A key the TLS context cannot read fails the load at `private_key`, and the error
    /// (printed by `relay`, logged by an embedding program) never echoes the key's line.
    @Test(arguments: [false, true])
    func configErrorsDoNotEchoKeys(unknownField: Bool) async throws {
        let certs = try await TestCertificates()
        let key = try String(contentsOfFile: certs.path("mongodb.key"), encoding: .utf8)
        // A key whose body is damaged (so OpenSSL refuses it), or a good key next to a field
        // DataSource does not have (refused while decoding).
        var lines = key.split(separator: "\n").map(String.init)
        if !unknownField { lines[1] = String(lines[1].reversed()) }
        let written = Self.quoted(lines.joined(separator: "\n") + "\n") + (unknownField ? ", bogus: 1" : "")
        let yaml = TestBootstrap.tcpProxy(backends: [1], chain: Self.tlsChain(certificate: certs.path("mongodb.crt"), privateKey: written))
        let logs = LogCapture()
        var message = "loaded"
        do {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "bad-key.yaml", registry: .bundled, logger: logs.logger)
        } catch {
            message = "\(error)"
        }
        #expect(message.hasPrefix("bad-key.yaml:"), "\(message)")
        #expect(message.contains(unknownField ? "bogus" : "private key"), "\(message)")
        for secret in Self.material(ofPEM: lines.joined(separator: "\n")) {
            #expect(!message.contains(secret.prefix(16)), "the error shows key material: \(message)")
            #expect(!logs.text.contains(secret.prefix(16)))
        }
    }

    // MARK: - Admin binding

    static func bootstrap(admin: String) -> String {
        """
        \(admin)
        static_resources:
          clusters:
          - name: backend
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
        """
    }

    /// As Envoy: no `admin.address`, no admin server; Relay never picks an address itself.
    @Test(arguments: ["", "admin: {}", "admin: { access_log: [] }"])
    func noAdminAddressMeansNoAdminServer(_ admin: String) async throws {
        let relay = try await RunningRelay.start(yaml: Self.bootstrap(admin: admin))
        #expect(relay.server.adminAddress == nil)
        await relay.stop()
    }

    @Test func adminBindsExactlyTheConfiguredAddress() async throws {
        let relay = try await RunningRelay.start(
            yaml: Self.bootstrap(admin: "admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }")
        )
        let address = try #require(relay.server.adminAddress)
        #expect(address.ipAddress == "127.0.0.1")
        #expect(try await AdminClient.request(port: address.port!, "/ready").status == 200)
        await relay.stop()
    }

    /// A socket address without `address` is refused, never defaulted (to 0.0.0.0 or anything).
    @Test func adminAddressMustBeWrittenOut() {
        #expect(throws: (any Error).self) {
            _ = try ServerConfiguration.load(
                yaml: Self.bootstrap(admin: "admin: { address: { socket_address: { port_value: 9901 } } }"),
                registry: .bundled
            )
        }
    }

    /// The admin server has no authentication, so an address other than loopback is honoured
    /// but warned about at load.
    @Test(arguments: [("0.0.0.0", true), ("::", true), ("10.1.2.3", true), ("127.0.0.1", false), ("127.0.0.2", false), ("::1", false)])
    func nonLoopbackAdminIsWarnedAbout(address: String, warned: Bool) throws {
        let collector = WarningCollector()
        _ = try ServerConfiguration.load(
            yaml: Self.bootstrap(admin: "admin: { address: { socket_address: { address: \"\(address)\", port_value: 9901 } } }"),
            registry: .bundled,
            logger: collector.logger
        )
        #expect(collector.messages.contains { $0.contains("admin") && $0.contains("not a loopback address") } == warned, "\(collector.messages)")
    }
}
