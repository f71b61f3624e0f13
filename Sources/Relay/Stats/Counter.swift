import Synchronization

/// A monotonically increasing count. Increments are lock-free atomic adds.
public final class Counter: Sendable {
    /// The stat's name.
    public let name: StatName
    private let storage = Atomic<UInt64>(0)
    private let touched = Atomic<Bool>(false)

    /// Creates a zeroed counter. Normally made through a ``StatsStore`` or ``StatsScope``.
    public init(name: StatName) {
        self.name = name
    }

    /// Adds `amount`.
    @inline(__always)
    public func increment(by amount: UInt64 = 1) {
        storage.wrappingAdd(amount, ordering: .relaxed)
        if !touched.load(ordering: .relaxed) { touched.store(true, ordering: .relaxed) }
    }

    /// The current count.
    public var value: UInt64 { storage.load(ordering: .relaxed) }

    /// Whether the counter was ever incremented (for `usedonly`).
    public var isUsed: Bool { touched.load(ordering: .relaxed) }
}

/// A value that goes up and down. Updates are lock-free.
public final class Gauge: Sendable {
    /// The stat's name.
    public let name: StatName
    private let storage = Atomic<Int64>(0)
    private let touched = Atomic<Bool>(false)

    /// Creates a zeroed gauge.
    public init(name: StatName) {
        self.name = name
    }

    /// Adds `amount` (may be negative).
    @inline(__always)
    public func add(_ amount: Int64) {
        storage.wrappingAdd(amount, ordering: .relaxed)
        if !touched.load(ordering: .relaxed) { touched.store(true, ordering: .relaxed) }
    }

    /// Adds one.
    public func increment() { add(1) }

    /// Subtracts one.
    public func decrement() { add(-1) }

    /// Sets the value.
    public func set(_ value: Int64) {
        storage.store(value, ordering: .relaxed)
        touched.store(true, ordering: .relaxed)
    }

    /// The current value.
    public var value: Int64 { storage.load(ordering: .relaxed) }

    /// Whether the gauge was ever set.
    public var isUsed: Bool { touched.load(ordering: .relaxed) }
}
