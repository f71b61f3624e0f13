/// A test asked the harness for something the filters under test never set up.
public enum FilterHarnessError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No connect attempt to this cluster is waiting for an answer.
    case noPendingConnect(cluster: String)

    public var description: String {
        switch self {
        case .noPendingConnect(let cluster):
            "cluster '\(cluster)' has no pending connect attempt (did the terminal filter connect?)"
        }
    }
}
