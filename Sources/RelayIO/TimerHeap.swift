#if os(Linux)
/// One timer of a ``NativeEventLoop``: its deadline, its place in the heap and what it runs.
///
/// - Note: Confined to its loop.
final class ScheduledTimer {
    let deadline: UInt64
    fileprivate var sequence: UInt64 = 0
    /// Position in the heap; -1 when not in it (fired or cancelled).
    fileprivate var index = -1
    /// What runs; nil once the timer fired or was cancelled.
    fileprivate var task: Action?

    /// What a timer runs.
    enum Action {
        /// Told `true` when the timer fires, `false` when its loop shuts down first (a NIO
        /// `Scheduled` fails its promise then).
        case notified((Bool) -> Void)
        /// Runs when the timer fires, never if the loop shuts down first (no wrapper closure).
        case plain(() -> Void)

        func run(fired: Bool) {
            switch self {
            case .notified(let body): body(fired)
            case .plain(let body): if fired { body() }
            }
        }
    }

    init(deadline: UInt64, task: Action) {
        self.deadline = deadline
        self.task = task
    }
}

/// A binary min-heap of timers ordered by deadline, then by insertion order, with O(log n)
/// cancellation (each timer knows its index).
struct TimerHeap {
    private var heap: [ScheduledTimer] = []
    private var sequence: UInt64 = 0

    var nextDeadline: UInt64? { heap.first?.deadline }

    mutating func insert(_ timer: ScheduledTimer) {
        guard timer.task != nil, timer.index < 0 else { return }
        sequence &+= 1
        timer.sequence = sequence
        timer.index = heap.count
        heap.append(timer)
        siftUp(heap.count - 1)
    }

    /// Removes `timer`; false when it already fired or was cancelled.
    mutating func cancel(_ timer: ScheduledTimer) -> Bool {
        guard timer.task != nil else { return false }
        timer.task = nil
        let index = timer.index
        guard index >= 0 else { return true }  // cancelled before its insertion task ran
        timer.index = -1
        let last = heap.removeLast()
        if index < heap.count {
            heap[index] = last
            last.index = index
            siftDown(index)
            siftUp(last.index)
        }
        return true
    }

    /// The task of the earliest timer due at `now`, removed from the heap.
    mutating func popExpired(now: UInt64) -> ScheduledTimer.Action? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            last.index = 0
            siftDown(0)
        }
        first.index = -1
        let task = first.task
        first.task = nil
        return task
    }

    /// Empties the heap and returns the pending timers' tasks (to be told the loop is gone).
    mutating func removeAll() -> [ScheduledTimer.Action] {
        var tasks: [ScheduledTimer.Action] = []
        for timer in heap {
            timer.index = -1
            if let task = timer.task { tasks.append(task) }
            timer.task = nil
        }
        heap.removeAll()
        return tasks
    }

    private func less(_ a: ScheduledTimer, _ b: ScheduledTimer) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, less(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard less(heap[smallest], heap[parent]) else { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        heap[a].index = a
        heap[b].index = b
    }
}
#endif
