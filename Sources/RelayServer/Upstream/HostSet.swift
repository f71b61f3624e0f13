import Relay
import Synchronization

/// The current hosts of a cluster. STATIC clusters set it once; DNS clusters replace it on
/// every refresh; outlier detection marks hosts ejected. Reads take an uncontended lock and
/// copy a reference to an array, so the pick path stays cheap: the pool the load balancer
/// uses is computed when membership or ejections change, not per pick.
final class HostSet: Sendable {
    /// What the load balancer picks from.
    struct Pool: Sendable {
        /// The hosts to pick from: the healthy ones, or all of them in panic mode.
        let hosts: [HostDescription]
        /// Fewer than the panic threshold of hosts are healthy, so every host is used
        /// (Envoy's `lb_healthy_panic`).
        let isPanic: Bool
    }

    private struct State {
        var all: [HostDescription]
        var ejected: Set<ObjectIdentifier> = []
        var pool: Pool
    }

    /// Envoy's default `common_lb_config.healthy_panic_threshold`: 50%.
    static let healthyPanicThresholdPercent = 50

    private let state: Mutex<State>

    init(_ initial: [HostDescription] = []) {
        state = Mutex(State(all: initial, pool: Pool(hosts: initial, isPanic: false)))
    }

    /// Every member host, ejected or not.
    var current: [HostDescription] {
        state.withLock { $0.all }
    }

    /// The hosts the load balancer should pick from now.
    var pool: Pool {
        state.withLock { $0.pool }
    }

    /// The number of member hosts not ejected.
    var healthyCount: Int {
        state.withLock { state in state.all.filter { !state.ejected.contains(ObjectIdentifier($0)) }.count }
    }

    func replace(_ new: [HostDescription]) {
        state.withLock { state in
            state.all = new
            let members = Set(new.map(ObjectIdentifier.init))
            state.ejected.formIntersection(members)
            state.pool = Self.makePool(state)
        }
    }

    /// Marks exactly `ejected` as ejected by outlier detection.
    func setEjected(_ ejected: Set<ObjectIdentifier>) {
        state.withLock { state in
            state.ejected = ejected
            state.pool = Self.makePool(state)
        }
    }

    private static func makePool(_ state: State) -> Pool {
        guard !state.ejected.isEmpty else { return Pool(hosts: state.all, isPanic: false) }
        let healthy = state.all.filter { !state.ejected.contains(ObjectIdentifier($0)) }
        // Envoy: panic when the healthy percentage is below the threshold; then every host is used.
        if healthy.count * 100 < healthyPanicThresholdPercent * state.all.count {
            return Pool(hosts: state.all, isPanic: true)
        }
        return Pool(hosts: healthy, isPanic: false)
    }
}
