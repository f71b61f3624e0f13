import Relay
import Synchronization

/// The cluster manager handed to factories while the configuration is still being built
/// (cluster-side filters are prepared before the manager exists). Lookups before ``set(_:)``
/// find nothing; at run time it forwards to the real manager.
final class DeferredClusterManager: ClusterManager, Sendable {
    private let target = Mutex<RuntimeClusterManager?>(nil)

    func set(_ manager: RuntimeClusterManager) {
        target.withLock { $0 = manager }
    }

    func cluster(named name: String) -> (any UpstreamCluster)? {
        target.withLock { $0 }?.cluster(named: name)
    }
}
