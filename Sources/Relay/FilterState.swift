/// A typed key into a connection's ``FilterState``.
///
/// Keys are values, compared by name: two modules that agree on a name and a value type share
/// the slot. Relay's bundled filters publish their keys as static constants (for example
/// ``FilterStateKey/tcpProxyCluster``) so no filter has to import another.
public struct FilterStateKey<Value>: Hashable, Sendable, CustomStringConvertible {
    /// The key's name, as Envoy spells it where Envoy has one (`envoy.tcp_proxy.cluster`).
    public let name: String

    /// Creates a key with the given name.
    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}

/// Per-connection, typed state that filters publish for one another (Envoy's `FilterState`).
///
/// A value is stored either read-only (it can never be replaced) or mutable. Values marked
/// ``Sharing/sharedWithUpstream`` are copied into the upstream connection's filter state when
/// the terminal filter connects upstream.
///
/// - Note: A `FilterState` belongs to one connection and is confined to that connection's
///   event loop; it is deliberately not `Sendable`.
public final class FilterState {
    /// Whether a stored value may later be replaced.
    public enum Mutability: Sendable {
        /// The first write wins; later writes fail with ``FilterStateError/readOnly(_:)``.
        case readOnly
        /// Later writes replace the value.
        case mutable
    }

    /// Whether a value travels to the upstream connection's filter state.
    public enum Sharing: Sendable {
        /// Stays on this connection only.
        case none
        /// Copied into the upstream connection's filter state when it is created.
        case sharedWithUpstream
    }

    private struct Entry {
        var value: Any
        var mutability: Mutability
        var sharing: Sharing
    }

    private var entries: [String: Entry] = [:]

    /// Creates an empty filter state.
    public init() {}

    /// Stores `value` under `key`.
    ///
    /// - Throws: ``FilterStateError/readOnly(_:)`` if the key already holds a read-only value.
    public func set<Value>(
        _ key: FilterStateKey<Value>,
        _ value: Value,
        mutability: Mutability = .readOnly,
        sharing: Sharing = .none
    ) throws {
        if let existing = entries[key.name], existing.mutability == .readOnly {
            throw FilterStateError.readOnly(key.name)
        }
        entries[key.name] = Entry(value: value, mutability: mutability, sharing: sharing)
    }

    /// The value stored under `key`, or `nil` if there is none (or it has another type).
    public subscript<Value>(_ key: FilterStateKey<Value>) -> Value? {
        entry(named: key.name)?.value as? Value
    }

    /// Whether anything is stored under `key`.
    public func contains<Value>(_ key: FilterStateKey<Value>) -> Bool {
        entry(named: key.name) != nil
    }

    /// The entry under `name`; most connections store nothing, and then the name is not hashed.
    private func entry(named name: String) -> Entry? {
        entries.isEmpty ? nil : entries[name]
    }

    /// Copies every value marked ``Sharing/sharedWithUpstream`` into `other`.
    public func copyShared(into other: FilterState) {
        for (name, entry) in entries where entry.sharing == .sharedWithUpstream {
            other.entries[name] = entry
        }
    }

    /// The names of all stored keys, sorted (for diagnostics and admin output).
    public var keyNames: [String] { entries.keys.sorted() }
}

@available(*, unavailable)
extension FilterState: Sendable {}

/// Errors raised by ``FilterState``.
public enum FilterStateError: Error, Equatable, Sendable {
    /// The key already holds a read-only value.
    case readOnly(String)
}
