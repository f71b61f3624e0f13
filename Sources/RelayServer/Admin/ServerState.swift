import Relay
import Synchronization

/// The server's lifecycle state as admin and `server.*` stats show it.
final class ServerState: Sendable {
    /// Envoy's `server.state` values.
    enum Phase: Int64, Sendable {
        case live = 0
        case draining = 1
        case preInitializing = 2
        case initializing = 3

        var name: String {
            switch self {
            case .live: "LIVE"
            case .draining: "DRAINING"
            case .preInitializing: "PRE_INITIALIZING"
            case .initializing: "INITIALIZING"
            }
        }
    }

    private let phase = Atomic<Int64>(Phase.initializing.rawValue)
    private let healthCheckFailed = Atomic<Bool>(false)
    let live: Gauge
    let state: Gauge
    let uptime: Gauge
    let concurrency: Gauge
    let startTime: ContinuousClock.Instant

    init(stats: StatsStore, concurrency: Int) {
        let scope = stats.root.scope("server")
        live = scope.gauge("live")
        state = scope.gauge("state")
        uptime = scope.gauge("uptime")
        self.concurrency = scope.gauge("concurrency")
        self.concurrency.set(Int64(concurrency))
        startTime = .now
        state.set(Phase.initializing.rawValue)
    }

    var current: Phase {
        if healthCheckFailed.load(ordering: .relaxed) { return .draining }
        return Phase(rawValue: phase.load(ordering: .relaxed)) ?? .live
    }

    func set(_ new: Phase) {
        phase.store(new.rawValue, ordering: .relaxed)
        publish()
    }

    func setHealthCheckFailed(_ failed: Bool) {
        healthCheckFailed.store(failed, ordering: .relaxed)
        publish()
    }

    var uptimeSeconds: Int64 {
        let elapsed = ContinuousClock.now - startTime
        return elapsed.components.seconds
    }

    /// Refreshes the `server.*` gauges.
    func publish() {
        let current = self.current
        state.set(current.rawValue)
        live.set(current == .live ? 1 : 0)
        uptime.set(uptimeSeconds)
    }
}
