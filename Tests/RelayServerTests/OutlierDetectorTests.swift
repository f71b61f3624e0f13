import NIOCore
import NIOEmbedded
import Relay
import RelayConfig
import Synchronization
import Testing

@testable import RelayServer

/// Outlier detection driven by a controlled clock: ejection thresholds, enforcement,
/// `max_ejection_percent`, backoff and un-ejection, as Envoy's `DetectorImpl` does them.
@Suite struct OutlierDetectorTests {
    /// A monotonic clock the test moves by hand.
    final class ManualClock: Sendable {
        private let nanoseconds = Mutex<UInt64>(1_000_000_000)
        var now: NIODeadline { .uptimeNanoseconds(nanoseconds.withLock { $0 }) }
        func advance(by amount: TimeAmount) { nanoseconds.withLock { $0 += UInt64(amount.nanoseconds) } }
    }

    struct Fixture {
        let hosts: [HostDescription]
        let set: HostSet
        let detector: OutlierDetector
        let clock: ManualClock
        let store: StatsStore

        func counter(_ name: String) -> UInt64 { store.existingCounter("cluster.c.outlier_detection.\(name)")?.value ?? 0 }
        var active: Int64 { store.existingGauge("cluster.c.outlier_detection.ejections_active")?.value ?? -1 }
        var healthy: Int64 { store.existingGauge("cluster.c.membership_healthy")?.value ?? -1 }

        func fail(_ host: Int, times: Int, _ result: OutlierDetector.Result = .connectFailed) {
            for _ in 0..<times { detector.putResult(result, for: hosts[host]) }
        }

        /// Moves time in `interval` steps, running the sweep after each.
        func sweep(for total: TimeAmount) {
            let step = TimeAmount.nanoseconds(detector.config.interval.nanoseconds)
            var elapsed = TimeAmount.zero
            while elapsed < total {
                clock.advance(by: step)
                elapsed = elapsed + step
                detector.onIntervalTimer()
            }
        }
    }

    static func fixture(hostCount: Int = 2, _ yaml: String = "{}", random: @escaping @Sendable () -> UInt64 = { 0 }) throws -> Fixture {
        let config = try ConfigDecoder().decode(ClusterConfig.OutlierDetection.self, yaml: yaml, fileName: "o.yaml")
        let hosts = try (0..<hostCount).map {
            HostDescription(address: try SocketAddress(ipAddress: "127.0.0.1", port: 10_000 + $0), clusterName: "c")
        }
        let store = StatsStore()
        let scope = store.root.scope("cluster").scope("c")
        let set = HostSet(hosts)
        let clock = ManualClock()
        let detector = OutlierDetector(
            config: config,
            hosts: set,
            stats: OutlierDetectionStats(scope: scope.scope("outlier_detection")),
            membershipHealthy: scope.gauge("membership_healthy"),
            clock: { clock.now },
            random: random
        )
        return Fixture(hosts: hosts, set: set, detector: detector, clock: clock, store: store)
    }

    @Test func fiveConsecutiveConnectFailuresEjectAsConsecutive5xx() throws {
        let f = try Self.fixture("max_ejection_percent: 50")
        f.fail(0, times: 4)
        #expect(!f.detector.isEjected(f.hosts[0]))
        f.fail(0, times: 1)
        #expect(f.detector.isEjected(f.hosts[0]))
        #expect(f.set.pool.hosts.map(ObjectIdentifier.init) == [ObjectIdentifier(f.hosts[1])])
        #expect(f.active == 1)
        #expect(f.healthy == 1)
        #expect(f.counter("ejections_detected_consecutive_5xx") == 1)
        #expect(f.counter("ejections_enforced_consecutive_5xx") == 1)
        #expect(f.counter("ejections_enforced_total") == 1)
        #expect(f.counter("ejections_total") == 1)
        #expect(f.counter("ejections_consecutive_5xx") == 1)
        // The gateway-failure detector fires on the same failure but is not enforced by default.
        #expect(f.counter("ejections_detected_consecutive_gateway_failure") == 1)
        #expect(f.counter("ejections_enforced_consecutive_gateway_failure") == 0)
        #expect(f.counter("ejections_overflow") == 0)
    }

    @Test func timeoutsCountLikeConnectFailures() throws {
        let f = try Self.fixture("{ consecutive_5xx: 2, max_ejection_percent: 50 }")
        f.fail(0, times: 1, .timeout)
        f.fail(0, times: 1, .connectFailed)
        #expect(f.detector.isEjected(f.hosts[0]))
    }

    @Test func aConnectionMadeResetsTheCount() throws {
        let f = try Self.fixture("{ consecutive_5xx: 3, max_ejection_percent: 50 }")
        f.fail(0, times: 2)
        f.detector.putResult(.connectSucceeded, for: f.hosts[0])
        f.fail(0, times: 2)
        #expect(!f.detector.isEjected(f.hosts[0]))
        f.fail(0, times: 1)
        #expect(f.detector.isEjected(f.hosts[0]))
    }

    @Test func splitErrorsFeedTheLocalOriginDetector() throws {
        let f = try Self.fixture("{ split_external_local_origin_errors: true, consecutive_local_origin_failure: 3, max_ejection_percent: 50 }")
        f.fail(0, times: 3, .timeout)
        #expect(f.detector.isEjected(f.hosts[0]))
        #expect(f.counter("ejections_enforced_consecutive_local_origin_failure") == 1)
        #expect(f.counter("ejections_detected_consecutive_5xx") == 0)
        #expect(f.counter("ejections_total") == 0)
    }

    @Test func enforcementPercentageZeroDetectsWithoutEjecting() throws {
        let f = try Self.fixture("{ enforcing_consecutive_5xx: 0, max_ejection_percent: 50 }")
        f.fail(0, times: 5)
        #expect(!f.detector.isEjected(f.hosts[0]))
        #expect(f.counter("ejections_detected_consecutive_5xx") == 1)
        #expect(f.counter("ejections_enforced_total") == 0)
        #expect(f.active == 0)
    }

    @Test func gatewayFailureEnforcedWhenAsked() throws {
        let f = try Self.fixture("{ consecutive_5xx: 0, consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100, max_ejection_percent: 50 }")
        f.fail(0, times: 2)
        #expect(f.detector.isEjected(f.hosts[0]))
        #expect(f.counter("ejections_enforced_consecutive_gateway_failure") == 1)
        #expect(f.counter("ejections_total") == 0)
    }

    @Test func defaultMaxEjectionPercentOverflowsOnSmallClusters() throws {
        // Envoy: (0 + 1) / 2 hosts = 50% > 10%, so nothing is ejected.
        let f = try Self.fixture()
        f.fail(0, times: 5)
        #expect(!f.detector.isEjected(f.hosts[0]))
        #expect(f.counter("ejections_overflow") == 2)  // the gateway and the 5xx detector
        #expect(f.counter("ejections_total") == 0)
    }

    @Test func alwaysEjectOneHostAllowsTheFirst() throws {
        let f = try Self.fixture(hostCount: 3, "{ always_eject_one_host: true, consecutive_gateway_failure: 0 }")
        f.fail(0, times: 5)
        f.fail(1, times: 5)
        #expect(f.detector.isEjected(f.hosts[0]))
        #expect(!f.detector.isEjected(f.hosts[1]))
        #expect(f.counter("ejections_overflow") == 1)
    }

    @Test func ejectionLastsBaseTimesBackoffCappedByMax() throws {
        let f = try Self.fixture("{ consecutive_5xx: 1, consecutive_gateway_failure: 0, max_ejection_percent: 50, interval: 1s, base_ejection_time: 10s, max_ejection_time: 25s }")
        // First ejection: 10s.
        f.fail(0, times: 1)
        f.sweep(for: .seconds(9))
        #expect(f.detector.isEjected(f.hosts[0]))
        f.sweep(for: .seconds(1))
        #expect(!f.detector.isEjected(f.hosts[0]))
        #expect(f.active == 0)
        #expect(f.healthy == 2)
        #expect(f.set.pool.hosts.count == 2)
        // Second ejection right away: 20s.
        f.fail(0, times: 1)
        f.sweep(for: .seconds(19))
        #expect(f.detector.isEjected(f.hosts[0]))
        f.sweep(for: .seconds(1))
        #expect(!f.detector.isEjected(f.hosts[0]))
        // Third: min(30s, 25s) = 25s.
        f.fail(0, times: 1)
        f.sweep(for: .seconds(24))
        #expect(f.detector.isEjected(f.hosts[0]))
        f.sweep(for: .seconds(1))
        #expect(!f.detector.isEjected(f.hosts[0]))
        #expect(f.detector.ejectionCount(f.hosts[0]) == 3)
        #expect(f.counter("ejections_enforced_total") == 3)
    }

    @Test func backoffShrinksWhileTheHostStaysHealthy() throws {
        let f = try Self.fixture("{ consecutive_5xx: 1, consecutive_gateway_failure: 0, max_ejection_percent: 50, interval: 1s, base_ejection_time: 10s }")
        f.fail(0, times: 1)
        f.sweep(for: .seconds(10))
        f.fail(0, times: 1)
        f.sweep(for: .seconds(20))
        #expect(!f.detector.isEjected(f.hosts[0]))
        // Backoff is 2; two healthy sweeps bring it to 0, so the next ejection is 10s again.
        f.sweep(for: .seconds(5))
        f.fail(0, times: 1)
        f.sweep(for: .seconds(10))
        #expect(!f.detector.isEjected(f.hosts[0]))
    }

    @Test func unejectionResetsCountersAndEjectedHostIgnoresFurtherFailures() throws {
        let f = try Self.fixture("{ consecutive_5xx: 2, consecutive_gateway_failure: 0, max_ejection_percent: 50, interval: 1s, base_ejection_time: 1s }")
        f.fail(0, times: 2)
        f.fail(0, times: 2)  // already ejected: Envoy ignores the detector firing again
        #expect(f.counter("ejections_enforced_total") == 1)
        f.sweep(for: .seconds(1))
        #expect(!f.detector.isEjected(f.hosts[0]))
        f.fail(0, times: 1)
        #expect(!f.detector.isEjected(f.hosts[0]))
    }

    @Test func panicModeUsesEveryHostWhenTooFewAreHealthy() throws {
        let f = try Self.fixture(hostCount: 3, "{ consecutive_5xx: 1, consecutive_gateway_failure: 0, max_ejection_percent: 100 }")
        f.fail(0, times: 1)
        #expect(f.set.pool.hosts.count == 2)
        #expect(!f.set.pool.isPanic)
        f.fail(1, times: 1)
        // 1 of 3 healthy is below Envoy's 50% panic threshold.
        #expect(f.set.pool.isPanic)
        #expect(f.set.pool.hosts.count == 3)
    }

    @Test func removedHostsStopCountingAsEjected() throws {
        let f = try Self.fixture("{ consecutive_5xx: 1, consecutive_gateway_failure: 0, max_ejection_percent: 50 }")
        f.fail(0, times: 1)
        #expect(f.active == 1)
        f.detector.replaceHosts([f.hosts[1]])
        #expect(f.active == 0)
        #expect(f.set.current.count == 1)
        #expect(f.set.pool.hosts.count == 1)
    }

    @Test func theIntervalSweepRunsOnTheEventLoopAndStopsWhenCancelled() throws {
        let loop = EmbeddedEventLoop()
        let config = try ConfigDecoder().decode(
            ClusterConfig.OutlierDetection.self,
            yaml: "{ consecutive_5xx: 1, consecutive_gateway_failure: 0, max_ejection_percent: 50, interval: 2s, base_ejection_time: 3s }",
            fileName: "o.yaml"
        )
        let hosts = try (0..<2).map {
            HostDescription(address: try SocketAddress(ipAddress: "127.0.0.1", port: 10_000 + $0), clusterName: "c")
        }
        let detector = OutlierDetector(
            config: config,
            hosts: HostSet(hosts),
            stats: OutlierDetectionStats(scope: StatsStore().root.scope("outlier_detection")),
            clock: { loop.now }
        )
        let sweep = detector.start(on: loop)
        detector.putResult(.connectFailed, for: hosts[0])
        #expect(detector.isEjected(hosts[0]))
        loop.advanceTime(by: .seconds(2))
        #expect(detector.isEjected(hosts[0]))  // 2s < 3s
        loop.advanceTime(by: .seconds(2))
        #expect(!detector.isEjected(hosts[0]))  // the 4s sweep sees 4s >= 3s
        sweep.cancel()
        detector.putResult(.connectFailed, for: hosts[0])
        loop.advanceTime(by: .seconds(60))
        #expect(detector.isEjected(hosts[0]))  // no sweep any more
        try loop.syncShutdownGracefully()
    }
}
