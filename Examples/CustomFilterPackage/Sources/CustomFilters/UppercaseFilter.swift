import NIOCore
import Relay

/// Upper-cases ASCII letters on the read path (bytes from the client), the write path (bytes
/// to the client), or both, and counts what it changed. One instance per connection, on that
/// connection's event loop.
///
/// ```yaml
/// - name: custom.uppercase
///   typed_config:
///     "@type": type.googleapis.com/custom.Uppercase
///     stat_prefix: shout
///     direction: BOTH        # READ, WRITE or BOTH (default)
/// ```
public final class UppercaseFilter: ReadFilter, WriteFilter {
    private let shared: Shared

    init(shared: Shared) {
        self.shared = shared
    }

    public func initialize(callbacks: any ReadFilterCallbacks) {}

    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        if shared.direction != .write {
            shared.stats.readBytesChanged.increment(by: Self.uppercase(&data))
        }
        return .continue
    }

    public func onWrite(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        if shared.direction != .read {
            shared.stats.writtenBytesChanged.increment(by: Self.uppercase(&data))
        }
        return .continue
    }

    /// Upper-cases `a`…`z` in the readable bytes of `buffer`, in place; returns how many
    /// bytes changed.
    static func uppercase(_ buffer: inout ByteBuffer) -> UInt64 {
        var changed: UInt64 = 0
        buffer.withUnsafeMutableReadableBytes { bytes in
            for index in bytes.indices where bytes[index] >= UInt8(ascii: "a") && bytes[index] <= UInt8(ascii: "z") {
                bytes[index] -= 32
                changed += 1
            }
        }
        return changed
    }
}

@available(*, unavailable)
extension UppercaseFilter: Sendable {}

extension UppercaseFilter {
    /// Which path the filter changes.
    public enum Direction: String, Decodable, Sendable, Hashable {
        /// Bytes from the client.
        case read = "READ"
        /// Bytes to the client.
        case write = "WRITE"
        /// Both.
        case both = "BOTH"
    }

    /// The typed config (`typed_config` without `@type`).
    public struct Config: Decodable, Sendable, Hashable {
        /// Stats root: `uppercase.<stat_prefix>.`.
        public var statPrefix: String
        /// Which path to change; default `BOTH`.
        public var direction: Direction?

        enum CodingKeys: String, CodingKey {
            case statPrefix = "stat_prefix"
            case direction
        }

        /// Creates a config.
        public init(statPrefix: String, direction: Direction? = nil) {
            self.statPrefix = statPrefix
            self.direction = direction
        }
    }

    /// The filter's counters, under `uppercase.<stat_prefix>.`.
    public struct Stats: Sendable {
        /// Letters changed on the read path (`read_bytes_changed`).
        public let readBytesChanged: Counter
        /// Letters changed on the write path (`written_bytes_changed`).
        public let writtenBytesChanged: Counter
    }

    /// What every connection of one filter chain shares: built once, in `prepare`.
    public final class Shared: Sendable {
        /// The configured direction.
        public let direction: Direction
        /// The chain's counters.
        public let stats: Stats

        init(direction: Direction, stats: Stats) {
            self.direction = direction
            self.stats = stats
        }
    }

    /// Registers the filter as `custom.uppercase`.
    public struct Factory: NetworkFilterFactory {
        public static let name: FilterName = "custom.uppercase"
        public static let typeURLs = ["type.googleapis.com/custom.Uppercase"]

        /// Creates the factory.
        public init() {}

        public func prepare(_ config: Config, context: FactoryContext) throws -> Shared {
            guard !config.statPrefix.isEmpty else {
                throw FilterConfigError("stat_prefix must not be empty", field: "stat_prefix")
            }
            let scope = context.stats.root.scope("uppercase").scope(config.statPrefix)
            let stats = Stats(
                readBytesChanged: scope.counter("read_bytes_changed"),
                writtenBytesChanged: scope.counter("written_bytes_changed")
            )
            return Shared(direction: config.direction ?? .both, stats: stats)
        }

        public func makeFilters(_ prepared: Shared, into chain: inout FilterChainBuilder) {
            chain.addFilter(UppercaseFilter(shared: prepared))
        }
    }
}
