import BundledFilters
import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Socket settings from the config on real sockets (`getsockopt` through NIO, and `ss` for
/// upstream connections), and the fields Relay refuses rather than ignores.
@Suite(.timeLimit(.minutes(1)))
struct SocketOptionsIntegrationTests {
    static func yaml(backend: Int, listenerExtra: String = "", clusterExtra: String = "", top: String = "") -> String {
        TestBootstrap.tcpProxy(backend: backend, top: top, listener: listenerExtra, cluster: clusterExtra)
    }

    @Test("listener socket_options (each state), tcp_keepalive and tcp_backlog_size reach the listening socket")
    func listenerOptions() async throws {
        let relay = try await RunningRelay.start(yaml: Self.yaml(backend: 1, listenerExtra: """
                tcp_backlog_size: 77
                tcp_keepalive: { keepalive_time: 123, keepalive_interval: 7, keepalive_probes: 4 }
                socket_options:
                - { description: rcvbuf, level: 1, name: 8, int_value: 65536 }
                - { description: sndbuf, level: 1, name: 7, int_value: 131072, state: STATE_LISTENING }
            """))
        let option = { (level: Int32, name: Int32) in try await relay.server.listenerSocketOption(named: "front", level: level, option: name) }
        #expect(try await option(SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(try await option(Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 123)
        #expect(try await option(Int32(IPPROTO_TCP), TCP_KEEPINTVL) == 7)
        #expect(try await option(Int32(IPPROTO_TCP), TCP_KEEPCNT) == 4)
        // The kernel doubles SO_RCVBUF/SO_SNDBUF for bookkeeping.
        #expect(try await option(SOL_SOCKET, SO_RCVBUF) == 131072)
        #expect(try await option(SOL_SOCKET, SO_SNDBUF) == 262144)
        await relay.stop()
    }

    @Test("freebind lets a listener bind an address this host does not have")
    func freebind() async throws {
        // 192.0.2.1 (TEST-NET-1) is on no interface: without IP_FREEBIND bind fails.
        let yaml = Self.yaml(backend: 1).replacingOccurrences(of: "address: 127.0.0.1, port_value: 0", with: "address: 192.0.2.1, port_value: 0")
        await #expect(throws: (any Error).self) { try await RunningRelay.start(yaml: yaml).stop() }
        let relay = try await RunningRelay.start(yaml: yaml.replacingOccurrences(of: "    filter_chains:", with: "    freebind: true\n    filter_chains:"))
        #expect(try await relay.server.listenerSocketOption(named: "front", level: 0, option: 15) == 1)  // IPPROTO_IP, IP_FREEBIND
        await relay.stop()
    }

    @Test("upstream_connection_options.tcp_keepalive arms keepalive on upstream sockets (seen by ss)")
    func upstreamKeepalive() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let relay = try await RunningRelay.start(yaml: Self.yaml(backend: backend.port, clusterExtra: """
                upstream_connection_options: { tcp_keepalive: { keepalive_time: 321 } }
            """))
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: relay.port("front")).get()
        try await client.writeAndFlush(ByteBuffer(string: "x")).get()
        var line = ""
        _ = try await eventually {
            let output = await Self.run("/usr/bin/ss", ["-tno", "state", "established", "dst", "127.0.0.1:\(backend.port)"])
            line = output.split(separator: "\n").first { $0.contains("keepalive") }.map(String.init) ?? ""
            return !line.isEmpty
        }
        // ss prints the keepalive timer of the upstream socket: timer:(keepalive,5min20sec,0)
        #expect(line.contains("timer:(keepalive,5min"))
        try await client.close().get()
        await relay.stop()
        await backend.stop()
    }

    @Test("fields that would change behaviour are refused at their file:line:col", arguments: [
        ("", "    use_original_dst: true", "", "'use_original_dst' is not supported by Relay"),
        ("", "    bind_to_port: false", "", "'bind_to_port: false' is not supported by Relay"),
        ("", "", "    outlier_detection: { consecutive_5xx: 3, success_rate_minimum_hosts: 3 }", "'success_rate_minimum_hosts' is not supported by Relay"),
        ("", "", "    outlier_detection: { consecutive_5xx: 3 }", ""),
        ("", "    socket_options: [{ level: 1, name: 8, buf_value: AAAA }]", "", "'buf_value' is not supported by Relay"),
        ("", "", "    upstream_connection_options: { happy_eyeballs_config: {} }", "'happy_eyeballs_config' is not supported by Relay"),
        ("", "", "", ""),
    ])
    func refused(top: String, listener: String, cluster: String, message: String) throws {
        let yaml = Self.yaml(backend: 1, listenerExtra: listener, clusterExtra: cluster, top: top)
        if message.isEmpty {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "r.yaml", registry: .bundled)
            return
        }
        #expect {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "r.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".hasPrefix("r.yaml:") && "\(error)".contains(message)
        }
    }

    @Test("protocol: UDP is refused, not bound as TCP")
    func udpIsRefused() throws {
        let udp = Self.yaml(backend: 1).replacingOccurrences(
            of: "address: 127.0.0.1, port_value: 0 }", with: "address: 127.0.0.1, port_value: 0, protocol: UDP }")
        #expect {
            _ = try ServerConfiguration.load(yaml: udp, fileName: "u.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".hasPrefix("u.yaml:5:") && "\(error)".contains("'protocol: UDP' is not supported by Relay")
        }
    }

    private static func run(_ path: String, _ arguments: [String]) async -> String {
        (try? await ChildProcess.run(path, arguments))?.output ?? ""
    }
}
