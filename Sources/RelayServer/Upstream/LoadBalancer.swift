import Relay
import Synchronization

/// Host selection for a cluster: `ROUND_ROBIN`, `RANDOM` or `LEAST_REQUEST` (Envoy's
/// power-of-two-choices on active connections, the L4 equivalent of active requests).
final class LoadBalancer: Sendable {
    enum Policy: Sendable {
        case roundRobin, random, leastRequest
    }

    let policy: Policy
    private let cursor = Atomic<UInt64>(0)

    init(policy: Policy) {
        self.policy = policy
    }

    /// Picks a host, preferring one not in `exclude` (hosts that already failed this connection).
    func pick(from hosts: [HostDescription], excluding exclude: [HostDescription] = []) -> HostDescription? {
        guard !hosts.isEmpty else { return nil }
        var pool = hosts
        if !exclude.isEmpty {
            let remaining = hosts.filter { host in !exclude.contains { $0 === host } }
            if !remaining.isEmpty { pool = remaining }
        }
        if pool.count == 1 { return pool[0] }
        switch policy {
        case .roundRobin:
            return weightedRoundRobin(pool)
        case .random:
            return weightedRandom(pool)
        case .leastRequest:
            let a = pool[Int.random(in: 0..<pool.count)]
            let b = pool[Int.random(in: 0..<pool.count)]
            return a.stats.connectionsActive.value <= b.stats.connectionsActive.value ? a : b
        }
    }

    private func weightedRoundRobin(_ pool: [HostDescription]) -> HostDescription {
        let next = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        if pool.allSatisfy({ $0.weight == pool[0].weight }) {
            return pool[Int(next % UInt64(pool.count))]
        }
        let total = pool.reduce(0) { $0 + max(1, $1.weight) }
        var slot = Int(next % UInt64(total))
        for host in pool {
            slot -= max(1, host.weight)
            if slot < 0 { return host }
        }
        return pool[0]
    }

    private func weightedRandom(_ pool: [HostDescription]) -> HostDescription {
        let total = pool.reduce(0) { $0 + max(1, $1.weight) }
        var slot = Int.random(in: 0..<total)
        for host in pool {
            slot -= max(1, host.weight)
            if slot < 0 { return host }
        }
        return pool[0]
    }
}
