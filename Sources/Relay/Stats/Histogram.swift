import Synchronization

/// A distribution of values (milliseconds for Envoy's `_ms` stats) in Envoy's default buckets.
/// Recording is lock-free.
public final class Histogram: Sendable {
    /// Envoy's default histogram bucket bounds.
    public static let defaultBuckets: [Double] = [
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
        1_800_000, 3_600_000,
    ]

    /// The stat's name.
    public let name: StatName
    /// Upper bounds of the buckets.
    public let bounds: [Double]
    private let counts: [AtomicCount]
    private let total = Atomic<UInt64>(0)
    private let sumMicros = Atomic<UInt64>(0)

    /// Creates an empty histogram.
    public init(name: StatName, bounds: [Double] = Histogram.defaultBuckets) {
        self.name = name
        self.bounds = bounds
        self.counts = bounds.map { _ in AtomicCount() }
    }

    /// Records one value.
    public func record(_ value: Double) {
        let clamped = max(0, value)
        if let index = bounds.firstIndex(where: { clamped <= $0 }) {
            counts[index].value.wrappingAdd(1, ordering: .relaxed)
        }
        total.wrappingAdd(1, ordering: .relaxed)
        sumMicros.wrappingAdd(UInt64(clamped * 1000), ordering: .relaxed)
    }

    /// Number of recorded values.
    public var sampleCount: UInt64 { total.load(ordering: .relaxed) }

    /// Sum of recorded values.
    public var sampleSum: Double { Double(sumMicros.load(ordering: .relaxed)) / 1000 }

    /// Cumulative counts per bucket bound (values ≤ bound).
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map {
            running += $0.value.load(ordering: .relaxed)
            return running
        }
    }

    /// An estimate of quantile `q` (0…1) from the buckets, or nil with no samples.
    public func quantile(_ q: Double) -> Double? {
        let count = sampleCount
        guard count > 0 else { return nil }
        let rank = q * Double(count)
        var previousBound = 0.0
        var previousCount: UInt64 = 0
        for (bound, cumulative) in zip(bounds, cumulativeCounts) {
            if Double(cumulative) >= rank && cumulative > previousCount {
                let inBucket = Double(cumulative - previousCount)
                let fraction = (rank - Double(previousCount)) / inBucket
                return previousBound + (bound - previousBound) * max(0, min(1, fraction))
            }
            previousBound = bound
            previousCount = cumulative
        }
        return bounds.last
    }
}

/// One atomic count in an array (`Atomic` itself cannot be stored in one).
final class AtomicCount: Sendable {
    let value = Atomic<UInt64>(0)
}
