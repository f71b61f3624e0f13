import NIOCore
import Relay
import RelayConfig
import Synchronization

/// Envoy's outlier detection (`outlier_detection`) for the results a TCP proxy reports: a
/// connect failure, a connect timeout, or a connection made.
///
/// As in Envoy's `DetectorHostMonitorImpl::putResult`:
/// - without `split_external_local_origin_errors`, a connect failure counts as an HTTP 503 and a
///   timeout as a 504; both are gateway errors, so each feeds `consecutive_gateway_failure`
///   (enforced at `enforcing_consecutive_gateway_failure`, default 0%) and `consecutive_5xx`
///   (enforced at `enforcing_consecutive_5xx`, default 100%); a connection made resets both;
/// - with it, both failures feed `consecutive_local_origin_failure` (enforced at
///   `enforcing_consecutive_local_origin_failure`, default 100%) and a connection made resets it.
///
/// A counter fires when it reaches its threshold exactly (0 disables it). An ejection is
/// allowed while `(ejected + 1) / hosts` stays within `max_ejection_percent` (or, with
/// `always_eject_one_host`, when none is ejected); otherwise `ejections_overflow` counts it.
/// An ejected host returns on the first `interval` sweep after
/// `min(base_ejection_time × backoff, max_ejection_time) + jitter`; the backoff grows with each
/// ejection and shrinks by one each sweep a returned host stays healthy.
///
/// Results arrive from every event loop; the state sits behind one lock, taken once per
/// connect attempt. Ejections update the cluster's ``HostSet`` so that picks stay lock-cheap.
final class OutlierDetector: Sendable {
    /// What an upstream connect attempt came to.
    enum Result: Sendable {
        /// `LocalOriginConnectFailed`: refused, reset, or closed before it was ready.
        case connectFailed
        /// `LocalOriginTimeout`: `connect_timeout` elapsed.
        case timeout
        /// `LocalOriginConnectSuccessFinal`: the TCP proxy's connection is ready.
        case connectSucceeded
    }

    /// The detector that asked for an ejection.
    enum EjectionType: Sendable {
        case consecutive5xx, consecutiveGatewayFailure, consecutiveLocalOriginFailure
    }

    private struct Monitor {
        let host: HostDescription
        var consecutive5xx = 0
        var consecutiveGatewayFailure = 0
        var consecutiveLocalOriginFailure = 0
        var isEjected = false
        var ejectionCount = 0
        var ejectTimeBackoff: Int64 = 0
        var jitter = TimeAmount.zero
        var lastEjection: NIODeadline?
        var lastUnejection: NIODeadline?

        mutating func resetCounters() {
            consecutive5xx = 0
            consecutiveGatewayFailure = 0
            consecutiveLocalOriginFailure = 0
        }
    }

    private struct State {
        var monitors: [ObjectIdentifier: Monitor] = [:]
        var ejectionsActive = 0
    }

    let config: ClusterConfig.OutlierDetection
    let stats: OutlierDetectionStats
    private let hosts: HostSet
    private let membershipHealthy: Gauge?
    private let state: Mutex<State>
    private let clock: @Sendable () -> NIODeadline
    private let random: @Sendable () -> UInt64

    /// - Parameters:
    ///   - config: the cluster's `outlier_detection`.
    ///   - hosts: the cluster's hosts; ejections are published to it.
    ///   - stats: `cluster.<name>.outlier_detection.*`.
    ///   - membershipHealthy: `cluster.<name>.membership_healthy`, kept at members minus ejected.
    ///   - clock: monotonic time (tests inject a controlled one).
    ///   - random: the source for enforcement percentages and jitter.
    init(
        config: ClusterConfig.OutlierDetection,
        hosts: HostSet,
        stats: OutlierDetectionStats,
        membershipHealthy: Gauge? = nil,
        clock: @escaping @Sendable () -> NIODeadline = { .now() },
        random: @escaping @Sendable () -> UInt64 = { .random(in: 0...UInt64.max) }
    ) {
        self.config = config
        self.hosts = hosts
        self.stats = stats
        self.membershipHealthy = membershipHealthy
        self.clock = clock
        self.random = random
        var initial = State()
        for host in hosts.current {
            initial.monitors[ObjectIdentifier(host)] = Monitor(host: host)
        }
        state = Mutex(initial)
    }

    /// Whether `host` is ejected now.
    func isEjected(_ host: HostDescription) -> Bool {
        state.withLock { $0.monitors[ObjectIdentifier(host)]?.isEjected ?? false }
    }

    /// How many times `host` has been ejected.
    func ejectionCount(_ host: HostDescription) -> Int {
        state.withLock { $0.monitors[ObjectIdentifier(host)]?.ejectionCount ?? 0 }
    }

    /// Records the result of a connect attempt to `host`.
    func putResult(_ result: Result, for host: HostDescription) {
        let id = ObjectIdentifier(host)
        state.withLock { state in
            guard var monitor = state.monitors[id] else { return }
            var fired: [EjectionType] = []
            if config.splitExternalLocalOriginErrors {
                switch result {
                case .connectSucceeded:
                    monitor.consecutiveLocalOriginFailure = 0
                case .connectFailed, .timeout:
                    monitor.consecutiveLocalOriginFailure += 1
                    if monitor.consecutiveLocalOriginFailure == Int(config.consecutiveLocalOriginFailure) {
                        fired.append(.consecutiveLocalOriginFailure)
                    }
                }
            } else {
                switch result {
                case .connectSucceeded:
                    monitor.consecutive5xx = 0
                    monitor.consecutiveGatewayFailure = 0
                case .connectFailed, .timeout:
                    // 503 and 504: gateway errors first, then the 5xx count, as Envoy orders them.
                    monitor.consecutiveGatewayFailure += 1
                    if monitor.consecutiveGatewayFailure == Int(config.consecutiveGatewayFailure) {
                        fired.append(.consecutiveGatewayFailure)
                    }
                    monitor.consecutive5xx += 1
                    if monitor.consecutive5xx == Int(config.consecutive5xx) {
                        fired.append(.consecutive5xx)
                    }
                }
            }
            state.monitors[id] = monitor
            guard !fired.isEmpty else { return }
            let now = clock()
            for type in fired {
                onConsecutiveError(&state, id: id, type: type, now: now)
            }
        }
    }

    /// The `interval` sweep: returns hosts whose ejection time is over and shrinks the backoff
    /// of hosts that stayed healthy.
    func onIntervalTimer() {
        state.withLock { state in
            let now = clock()
            let base = config.baseEjectionTime.nanoseconds
            let maximum = config.maxEjectionTime.nanoseconds
            var changed = false
            for (id, var monitor) in state.monitors where monitor.isEjected {
                guard let ejectedAt = monitor.lastEjection else { continue }
                let backoff = monitor.ejectTimeBackoff
                let scaled = backoff > 0 && base > Int64.max / backoff ? Int64.max : base * backoff
                let ejectFor = TimeAmount.nanoseconds(min(scaled, maximum)) + monitor.jitter
                if ejectFor <= now - ejectedAt {
                    state.ejectionsActive -= 1
                    monitor.isEjected = false
                    monitor.resetCounters()
                    monitor.lastUnejection = now
                    state.monitors[id] = monitor
                    changed = true
                }
            }
            let interval = TimeAmount.nanoseconds(config.interval.nanoseconds)
            for (id, var monitor) in state.monitors where !monitor.isEjected {
                if let unejectedAt = monitor.lastUnejection, now - unejectedAt >= interval, monitor.ejectTimeBackoff != 0 {
                    monitor.ejectTimeBackoff -= 1
                    state.monitors[id] = monitor
                }
            }
            if changed { publish(state) }
        }
    }

    /// Starts the `interval` sweep on `loop`; cancel the task to stop it.
    func start(on loop: any EventLoop) -> RepeatedTask {
        let interval = TimeAmount.nanoseconds(config.interval.nanoseconds)
        return loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            self?.onIntervalTimer()
        }
    }

    /// The cluster's membership changed (DNS): hosts kept keep their state, removed ones
    /// stop counting as ejected.
    func replaceHosts(_ new: [HostDescription]) {
        state.withLock { state in
            var monitors: [ObjectIdentifier: Monitor] = [:]
            for host in new {
                let id = ObjectIdentifier(host)
                monitors[id] = state.monitors[id] ?? Monitor(host: host)
            }
            for (id, monitor) in state.monitors where monitor.isEjected && monitors[id] == nil {
                state.ejectionsActive -= 1
            }
            state.monitors = monitors
            hosts.replace(new)
            publish(state)
        }
    }

    private func onConsecutiveError(_ state: inout State, id: ObjectIdentifier, type: EjectionType, now: NIODeadline) {
        guard let monitor = state.monitors[id], !monitor.isEjected else { return }
        switch type {
        case .consecutive5xx: stats.detectedConsecutive5xx.increment()
        case .consecutiveGatewayFailure: stats.detectedConsecutiveGatewayFailure.increment()
        case .consecutiveLocalOriginFailure: stats.detectedConsecutiveLocalOriginFailure.increment()
        }
        eject(&state, id: id, type: type, now: now)
        guard var after = state.monitors[id] else { return }
        switch type {
        case .consecutive5xx:
            stats.ejectionsConsecutive5xx.increment()
            after.consecutive5xx = 0
        case .consecutiveGatewayFailure:
            after.consecutiveGatewayFailure = 0
        case .consecutiveLocalOriginFailure:
            after.consecutiveLocalOriginFailure = 0
        }
        state.monitors[id] = after
    }

    private func eject(_ state: inout State, id: ObjectIdentifier, type: EjectionType, now: NIODeadline) {
        let maxPercent = Double(min(100, config.maxEjectionPercent))
        let ejectedPercent = 100.0 * Double(state.ejectionsActive + 1) / Double(state.monitors.count)
        var shouldEject = ejectedPercent <= maxPercent
        if config.alwaysEjectOneHost {
            shouldEject = state.ejectionsActive == 0 || shouldEject
        }
        guard shouldEject else {
            stats.ejectionsOverflow.increment()
            return
        }
        if type == .consecutive5xx { stats.ejectionsTotal.increment() }
        guard enforced(type) else { return }
        guard var monitor = state.monitors[id] else { return }
        state.ejectionsActive += 1
        stats.ejectionsEnforcedTotal.increment()
        switch type {
        case .consecutive5xx: stats.enforcedConsecutive5xx.increment()
        case .consecutiveGatewayFailure: stats.enforcedConsecutiveGatewayFailure.increment()
        case .consecutiveLocalOriginFailure: stats.enforcedConsecutiveLocalOriginFailure.increment()
        }
        monitor.isEjected = true
        monitor.ejectionCount += 1
        monitor.lastEjection = now
        let jitterLimit = UInt64(max(0, config.maxEjectionTimeJitter.milliseconds))
        monitor.jitter = jitterLimit == 0 ? .zero : .milliseconds(Int64(random() % (jitterLimit + 1)))
        let base = config.baseEjectionTime.nanoseconds
        let maximum = config.maxEjectionTime.nanoseconds
        if Double(monitor.ejectTimeBackoff) * Double(base) < Double(maximum) + Double(base) {
            monitor.ejectTimeBackoff += 1
        }
        state.monitors[id] = monitor
        publish(state)
    }

    /// Envoy's `featureEnabled(key, percent)`: enforced in `percent` of the cases.
    private func enforced(_ type: EjectionType) -> Bool {
        let percent: UInt32
        switch type {
        case .consecutive5xx: percent = config.enforcingConsecutive5xx
        case .consecutiveGatewayFailure: percent = config.enforcingConsecutiveGatewayFailure
        case .consecutiveLocalOriginFailure: percent = config.enforcingConsecutiveLocalOriginFailure
        }
        if percent >= 100 { return true }
        if percent == 0 { return false }
        return random() % 100 < UInt64(percent)
    }

    private func publish(_ state: State) {
        let ejected = Set(state.monitors.filter { $0.value.isEjected }.keys)
        hosts.setEjected(ejected)
        stats.ejectionsActive.set(Int64(state.ejectionsActive))
        membershipHealthy?.set(Int64(state.monitors.count - ejected.count))
    }
}
