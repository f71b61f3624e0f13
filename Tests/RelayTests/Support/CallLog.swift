/// An ordered record of filter calls shared by the filters of one test, so tests can assert
/// the exact interleaving across filters ("A.onData(hi,false)", "B.onNewConnection").
final class CallLog {
    private(set) var entries: [String] = []

    func append(_ entry: String) {
        entries.append(entry)
    }

    func clear() {
        entries.removeAll()
    }
}

@available(*, unavailable)
extension CallLog: Sendable {}
