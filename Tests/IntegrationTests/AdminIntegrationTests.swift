import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import TestSupport
import Testing

/// The admin server over real HTTP: Envoy's endpoints, methods, and valid Prometheus output.
@Suite(.timeLimit(.minutes(1)))
struct AdminIntegrationTests {
    static func yaml(backend: Int) -> String {
        TestBootstrap.tcpProxy(backend: backend, top: TestBootstrap.admin + "\nnode: { id: test-node, cluster: test }")
    }

    static let promtool: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test func endpointsAnswerLikeEnvoy() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let relay = try await RunningRelay.start(yaml: Self.yaml(backend: backend.port))
        let admin = try #require(relay.server.adminAddress?.port)
        _ = try await TestClient.exchange(port: relay.port("front"), payload: ByteBuffer(string: "hi"), group: MultiThreadedEventLoopGroup.singleton)

        let stats = try await AdminClient.request(port: admin, "/stats")
        #expect(stats.status == 200)
        #expect(stats.body.contains("tcp.front.downstream_cx_total: 1"))
        #expect(stats.body.contains("cluster.backend.upstream_cx_total: 1"))

        let filtered = try await AdminClient.request(port: admin, "/stats?filter=%5Ecluster%5C.")
        #expect(filtered.body.split(separator: "\n").allSatisfy { $0.hasPrefix("cluster.") })

        let json = try await AdminClient.request(port: admin, "/stats?format=json")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any]
        #expect(parsed?["stats"] is [Any])

        let prometheus = try await AdminClient.request(port: admin, "/stats/prometheus")
        #expect(prometheus.body.contains("envoy_tcp_downstream_cx_total{envoy_tcp_prefix=\"front\"} 1"))
        #expect(prometheus.body.contains("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"backend\"} 1"))

        #expect(try await AdminClient.request(port: admin, "/ready").body == "LIVE\n")
        #expect(try await AdminClient.request(port: admin, "/listeners").body.hasPrefix("front::127.0.0.1:"))
        #expect(try await AdminClient.request(port: admin, "/clusters").body.contains("backend::default_priority::max_connections::1024"))
        let info = try await AdminClient.request(port: admin, "/server_info")
        #expect(info.body.contains("\"state\":\"LIVE\""))
        let dump = try await AdminClient.request(port: admin, "/config_dump")
        #expect((try JSONSerialization.jsonObject(with: Data(dump.body.utf8)) as? [String: Any])?["configs"] is [Any])

        // Mutations need POST; GET does nothing and answers 400.
        #expect(try await AdminClient.request(port: admin, "/healthcheck/fail").status == 400)
        #expect(try await AdminClient.request(port: admin, "/ready").status == 200)
        #expect(try await AdminClient.request(port: admin, "/healthcheck/fail", method: "POST").status == 200)
        let draining = try await AdminClient.request(port: admin, "/ready")
        #expect(draining.status == 503)
        #expect(draining.body == "DRAINING\n")
        #expect(try await AdminClient.request(port: admin, "/healthcheck/ok", method: "POST").status == 200)
        #expect(try await AdminClient.request(port: admin, "/nope").status == 404)
        #expect(try await AdminClient.request(port: admin, "/stats?filter=(").status == 400)
        await relay.stop()
        await backend.stop()
    }

    /// Envoy's `/stats` parameters (`source/server/admin/stats_params.cc`): `usedonly`,
    /// `filter` (RE2, partial match on the flat name, also for `/stats/prometheus`), `type`.
    @Test func statsQueryParametersAsEnvoy() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let relay = try await RunningRelay.start(yaml: Self.yaml(backend: backend.port))
        let admin = try #require(relay.server.adminAddress?.port)
        _ = try await TestClient.exchange(port: relay.port("front"), payload: ByteBuffer(string: "hi"), group: MultiThreadedEventLoopGroup.singleton)
        func lines(_ path: String) async throws -> [Substring] {
            let response = try await AdminClient.request(port: admin, path)
            #expect(response.status == 200, "\(path): \(response.body)")
            return response.body.split(separator: "\n")
        }

        let all = try await lines("/stats")
        let used = try await lines("/stats?usedonly")
        #expect(all.contains("cluster.backend.upstream_cx_connect_fail: 0"))
        #expect(!used.contains { $0.hasPrefix("cluster.backend.upstream_cx_connect_fail:") })
        #expect(used.contains("cluster.backend.upstream_cx_total: 1"))
        #expect(try await lines("/stats?filter=").count == all.count)

        let filtered = try await lines("/stats?usedonly&filter=%5Ecluster%5C.backend%5C.upstream_cx_(total%7Cactive)%24")
        #expect(filtered == ["cluster.backend.upstream_cx_active: 0", "cluster.backend.upstream_cx_total: 1"])
        let digits = try await lines("/stats?filter=listener%5C.%5Cd%2B")
        #expect(!digits.isEmpty && digits.allSatisfy { $0.hasPrefix("listener.127.0.0.1_") })

        let prometheus = try await lines("/stats/prometheus?filter=%5Ecluster%5C.")
        #expect(prometheus.contains { $0.hasPrefix("envoy_cluster_upstream_cx_total") })
        #expect(prometheus.allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("envoy_cluster_") })

        let counters = try await lines("/stats?type=Counters&filter=%5Eserver%5C.")
        let gauges = try await lines("/stats?type=Gauges&filter=%5Eserver%5C.")
        #expect(!gauges.isEmpty && gauges.contains { $0.hasPrefix("server.live:") })
        #expect(!counters.contains { $0.hasPrefix("server.live:") })

        let backReference = try await AdminClient.request(port: admin, "/stats?filter=(a)%5C1")
        #expect(backReference.status == 400)
        #expect(backReference.body.hasPrefix("Invalid re2 regex"))
        #expect(try await AdminClient.request(port: admin, "/stats?filter=a%7B1001%7D").status == 400)
        #expect(try await AdminClient.request(port: admin, "/stats?type=Bogus").status == 400)
        await relay.stop()
        await backend.stop()
    }

    /// Envoy's `/drain_listeners?graceful`: the listeners keep accepting for the drain time
    /// (1 s in these tests), then close; open connections are left alone.
    @Test func gracefulDrainListenersClosesAfterTheDrainTime() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: Self.yaml(backend: backend.port))
        let admin = try #require(relay.server.adminAddress?.port)
        let port = relay.port("front")
        let open = try await EchoConnection.open(port: port)
        let started = ContinuousClock.now
        #expect(try await AdminClient.request(port: admin, "/drain_listeners?graceful", method: "POST").status == 200)
        // Still accepting during the drain period.
        // (A refused connect is only possible once the drain time has passed: a loaded machine.)
        let during = try? await TestClient.exchange(port: port, payload: ByteBuffer(string: "during"), group: group)
        #expect(during.map { String(buffer: $0) } == "during" || ContinuousClock.now - started >= .seconds(1))
        // Closed after it.
        let closed = try await eventually(timeout: .seconds(10)) { await connectionRefused(port: port) }
        #expect(closed)
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(try await open.roundTrip("open") == "open")
        await open.close()
        await relay.stop()
        await backend.stop()
    }

    @Test(.enabled(if: promtool != nil, "promtool (Debian package prometheus) is installed by .ci/run"))
    func prometheusOutputPassesPromtool() async throws {
        let mesh = try await SeedScenarioTests.startMesh()
        _ = try await TestClient.exchange(port: mesh.outboundPort, payload: ByteBuffer(string: "world\n"), group: MultiThreadedEventLoopGroup.singleton)
        _ = try await eventually {
            mesh.inbound.server.stats.snapshot().counters.contains { $0.name.tagExtractedName == "istio_tcp_connections_closed_total" }
        }
        for relay in [mesh.inbound, mesh.outbound] {
            let admin = try #require(relay.server.adminAddress?.port)
            let text = try await AdminClient.request(port: admin, "/stats/prometheus?naming=prometheus").body
            #expect(text.contains("# TYPE istio_tcp_connections_opened_total counter"))
            let report = try await ChildProcess.run(Self.promtool!, ["check", "metrics"], input: Array(text.utf8))
            #expect(report.status == 0, "promtool: \(report.output)")
        }
        await mesh.stop()
    }
}

/// Whether 127.0.0.1:`port` refuses connections (nothing listens there any more).
func connectionRefused(port: Int) async -> Bool {
    do {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
        try? await channel.close()
        return false
    } catch let error as NIOConnectionError {
        return error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
    } catch {
        return false
    }
}
