import NIOCore
import Synchronization

/// Counts live per-connection objects by kind and event loop, so leak tests can prove that
/// every object a connection made is freed once it closes.
///
/// A counted type stores one ``LiveObjectToken``: the token counts the object when it is made
/// and uncounts it when the object is freed. Counts are kept per event loop (the object's
/// loop), so a test can look at one server's loops while other tests run in
/// parallel. Counting is compiled in debug builds only (``isEnabled``); in release builds the
/// token is empty and every count stays 0.
package enum LiveObjectCounter {
    /// The kinds of per-connection object that are counted.
    package enum Kind: Int, CaseIterable, Sendable, CustomStringConvertible {
        case networkConnection
        case channelHandler
        case listenerFilterPhase
        case upstreamConnector
        case handshakeTimeoutWatcher
        case tcpProxyFilter

        package var description: String {
            switch self {
            case .networkConnection: "NetworkConnection"
            case .channelHandler: "ConnectionChannelHandler"
            case .listenerFilterPhase: "ListenerFilterPhase"
            case .upstreamConnector: "UpstreamConnector"
            case .handshakeTimeoutWatcher: "HandshakeTimeoutWatcher"
            case .tcpProxyFilter: "TCPProxyFilter"
            }
        }
    }

    /// Whether counting is compiled in.
    package static var isEnabled: Bool {
        #if DEBUG
        true
        #else
        false
        #endif
    }

    private struct Key: Hashable {
        let kind: Kind
        /// The object's event loop.
        let loop: ObjectIdentifier
    }

    private static let counts = Mutex<[Key: Int]>([:])

    fileprivate static func add(_ delta: Int, kind: Kind, loop: ObjectIdentifier) {
        counts.withLock { $0[Key(kind: kind, loop: loop), default: 0] += delta }
    }

    /// How many objects of `kind` made on `loops` are alive now.
    package static func count(_ kind: Kind, on loops: [any EventLoop]) -> Int {
        let ids = Set(loops.map { ObjectIdentifier($0) })
        return counts.withLock { counts in
            counts.reduce(0) { sum, entry in
                guard entry.key.kind == kind, ids.contains(entry.key.loop) else { return sum }
                return sum + entry.value
            }
        }
    }

    /// Every kind's live count on `loops`.
    package static func snapshot(on loops: [any EventLoop]) -> [Kind: Int] {
        Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, count($0, on: loops)) })
    }
}

/// Stored in a counted object: counts it while the object lives (debug builds only).
package struct LiveObjectToken: ~Copyable {
    #if DEBUG
    private let kind: LiveObjectCounter.Kind
    private let loop: ObjectIdentifier
    #endif

    /// Counts one object of `kind` that lives on `eventLoop`.
    package init(_ kind: LiveObjectCounter.Kind, on eventLoop: any EventLoop) {
        #if DEBUG
        self.kind = kind
        self.loop = ObjectIdentifier(eventLoop)
        LiveObjectCounter.add(1, kind: kind, loop: loop)
        #endif
    }

    deinit {
        #if DEBUG
        LiveObjectCounter.add(-1, kind: kind, loop: loop)
        #endif
    }
}
