/// What a filter tells the filter manager after handling an event (Envoy's `FilterStatus`).
public enum FilterStatus: Sendable, Hashable {
    /// Pass the event on to the next filter.
    case `continue`
    /// Stop here; later filters do not see this event. A read filter resumes the chain later
    /// with ``ReadFilterCallbacks/continueReading()``; bytes it leaves in the buffer are
    /// re-presented, with any new bytes, on the next read.
    case stopIteration
}
