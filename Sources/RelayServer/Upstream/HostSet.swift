import Relay
import Synchronization

/// The current hosts of a cluster. STATIC clusters set it once; DNS clusters replace it on
/// every refresh. Reads take an uncontended lock and copy a reference to the array.
final class HostSet: Sendable {
    private let hosts: Mutex<[HostDescription]>

    init(_ initial: [HostDescription] = []) {
        hosts = Mutex(initial)
    }

    var current: [HostDescription] {
        hosts.withLock { $0 }
    }

    func replace(_ new: [HostDescription]) {
        hosts.withLock { $0 = new }
    }
}
