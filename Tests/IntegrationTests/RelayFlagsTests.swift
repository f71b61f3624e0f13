import Foundation
import NIOCore
import NIOPosix
import Testing

/// Envoy's command-line flags on the real `relay` (issue 10 §3): accepted with Envoy's meaning
/// and visible where Envoy shows them, or refused with one line and exit 1.
@Suite(.enabled(if: RelayProcess.executable != nil, "the relay executable is built by swift build --build-tests"), .timeLimit(.minutes(1)))
struct RelayFlagsTests {
    static func run(_ arguments: [String], yaml: String? = nil) async throws -> (status: Int32, stderr: String, directory: String) {
        let directory = NSTemporaryDirectory() + "relay-flags-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = arguments
        if let yaml {
            try yaml.write(toFile: directory + "/relay.yaml", atomically: true, encoding: .utf8)
            arguments = ["-c", directory + "/relay.yaml"] + arguments
        }
        let relay = try RelayProcess(arguments: arguments, directory: directory)
        let status = try await withDeadline(seconds: 20, "relay \(arguments)") { await relay.exitStatus() }
        let stderr = relay.stderr
        await relay.cleanUp()
        return (status, stderr, directory)
    }

    @Test func versionPrintsAndExits0() async throws {
        let directory = NSTemporaryDirectory() + "relay-flags-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let relay = try RelayProcess(arguments: ["--version"], directory: directory)
        #expect(try await withDeadline(seconds: 20, "relay --version") { await relay.exitStatus() } == 0)
        #expect(relay.stdout == "relay version: 0.1.0\n")
        await relay.cleanUp()
    }

    static let config = RelayProcessTests.yaml(backend: 9)

    @Test(arguments: [
        (["--drain-strategy", "fast"], "error: unknown drain-strategy 'fast'\n"),
        (["--local-address-ip-version", "v5"], "error: unknown IP address version 'v5'\n"),
        (["--allow-unknown-static-fields"], "error: --allow-unknown-static-fields is not supported by Relay: unknown bootstrap fields are always errors\n"),
        (["--restart-epoch", "1"], "error: --restart-epoch 1 is not supported by Relay: Relay has no hot restart\n"),
        (["--component-log-level", "bogus:debug"], "error: invalid component specified 'bogus'\n"),
        (["--component-log-level", "upstream"], "error: component log level not correctly specified 'upstream'\n"),
        (["-l", "loud"], "error: invalid log level specified 'loud'\n"),
        (["--log-format", "%Q %v"], "--log-format '%Q %v': '%Q' is not supported by Relay\n"),
    ])
    func flagsRelayCannotHonourAreOneLineErrors(_ arguments: [String], _ message: String) async throws {
        let result = try await Self.run(arguments, yaml: Self.config)
        #expect(result.status == 1)
        #expect(result.stderr == message)
    }

    /// Envoy's flags change what /server_info reports: node overrides and command-line options.
    @Test func acceptedFlagsShowInServerInfo() async throws {
        let directory = NSTemporaryDirectory() + "relay-flags-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try (Self.config + "\nnode: { id: from-file, cluster: file-cluster, locality: { region: r1, zone: file-zone } }\n")
            .write(toFile: directory + "/relay.yaml", atomically: true, encoding: .utf8)
        let relay = try RelayProcess(
            arguments: [
                "-c", directory + "/relay.yaml", "--admin-address-path", directory + "/admin",
                "--service-node", "node-7", "--service-cluster", "cluster-7", "--service-zone", "zone-7",
                "--drain-strategy", "immediate", "--drain-time-s", "5", "--parent-shutdown-time-s", "30",
                "--file-flush-interval-msec", "500", "--base-id", "7", "--disable-hot-restart",
                "--local-address-ip-version", "v6", "--reject-unknown-dynamic-fields", "--concurrency", "1",
            ],
            directory: directory
        )
        #expect(try await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: directory + "/admin") })
        let address = try String(contentsOfFile: directory + "/admin", encoding: .utf8)
        let port = try #require(Int(address.split(separator: ":").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
        let body = try await AdminClient.request(port: port, "/server_info").body
        let info = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let node = try #require(info["node"] as? [String: Any])
        #expect(node["id"] as? String == "node-7")
        #expect(node["cluster"] as? String == "cluster-7")
        #expect((node["locality"] as? [String: Any])?["zone"] as? String == "zone-7")
        #expect((node["locality"] as? [String: Any])?["region"] as? String == "r1")
        let options = try #require(info["command_line_options"] as? [String: Any])
        #expect(options["drain_strategy"] as? String == "Immediate")
        #expect(options["drain_time"] as? String == "5s")
        #expect(options["parent_shutdown_time"] as? String == "30s")
        #expect(options["file_flush_interval"] as? String == "0.500s")
        #expect(options["base_id"] as? String == "7")
        #expect(options["local_address_ip_version"] as? String == "v6")
        #expect(options["reject_unknown_dynamic_fields"] as? Bool == true)
        #expect(options["disable_hot_restart"] as? Bool == true)
        #expect(options["concurrency"] as? Int == 1)
        relay.signal(SIGTERM)
        #expect(try await withDeadline(seconds: 10, "exit") { await relay.exitStatus() } == 0)
        await relay.cleanUp()
    }

    /// `--mode init_only`: initialize (bind), then exit 0 without serving; a bind failure is 1.
    @Test func initOnlyBindsAndExits() async throws {
        let ok = try await Self.run(["--mode", "init_only", "-l", "warning"], yaml: Self.config)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.isEmpty)
        let holder = try await PortHolder.bind()
        let taken = try await Self.run(["--mode", "init_only"], yaml: RelayProcessTests.yaml(backend: 9, listenerPort: holder.port))
        #expect(taken.status == 1)
        #expect(taken.stderr.hasPrefix("error adding listener 'front': cannot bind"))
        await holder.close()
    }

    /// `--log-path`, `--log-format`, `--log-level` and `--component-log-level` together: lines in
    /// the given format, in the file, at each component's level; the file is reopened on SIGUSR1.
    @Test func logPathFormatAndComponentLevels() async throws {
        let directory = NSTemporaryDirectory() + "relay-logs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.config.write(toFile: directory + "/relay.yaml", atomically: true, encoding: .utf8)
        let log = directory + "/relay.log"
        let relay = try RelayProcess(
            arguments: [
                "-c", directory + "/relay.yaml", "--admin-address-path", directory + "/admin",
                "--log-path", log, "--log-format", "%L|%l|%n|%v", "-l", "error", "--component-log-level", "main:info,file:info",
            ],
            directory: directory
        )
        func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        #expect(try await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: directory + "/admin") })
        // main logs at info: the listener line; nothing goes to stderr.
        #expect(contents(log).contains("I|info|main|listener started"))
        #expect(!contents(log).contains("|debug|"))
        #expect(relay.stderr.isEmpty)
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        relay.signal(SIGUSR1)
        #expect(try await eventually { contents(log).contains("I|info|file|reopened access logs") })
        #expect(contents(log + ".1").contains("I|info|main|caught SIGUSR1, reopening access logs"))
        relay.signal(SIGTERM)
        #expect(try await withDeadline(seconds: 10, "exit") { await relay.exitStatus() } == 0)
        #expect(contents(log).contains("W|warning|main|caught SIGTERM, shutting down"))
        await relay.cleanUp()
    }
}
