internal import COpenSSL
import Synchronization

/// Envoy's upstream session cache (`max_session_keys`): the most recent sessions a client
/// context received, offered again on its next connections so they resume instead of doing a
/// full handshake.
///
/// Shared by all connections of one client ``TLSContext`` (possibly on several event loops),
/// so the sessions sit behind a `Mutex`.
final class ClientSessionCache: Sendable {
    /// Owned `SSL_SESSION *` references. `@unchecked Sendable`: only touched under the mutex, and
    /// OpenSSL sessions are reference counted with atomic counts.
    private struct Sessions: @unchecked Sendable {
        var entries: [OpaquePointer] = []
    }

    private let capacity: Int
    private let sessions = Mutex(Sessions())

    init(capacity: Int) {
        self.capacity = capacity
    }

    deinit {
        sessions.withLock { $0.entries.forEach { SSL_SESSION_free($0) } }
    }

    /// Takes ownership of `session`, evicting the oldest beyond capacity.
    func store(_ session: OpaquePointer) {
        let evicted: [OpaquePointer] = sessions.withLock { state in
            state.entries.append(session)
            let excess = state.entries.count - capacity
            guard excess > 0 else { return [] }
            let dropped = Array(state.entries.prefix(excess))
            state.entries.removeFirst(excess)
            return dropped
        }
        evicted.forEach { SSL_SESSION_free($0) }
    }

    /// Offers the most recent resumable session to `ssl` (an `SSL *`).
    func offer(to ssl: OpaquePointer) {
        sessions.withLock { state in
            while let newest = state.entries.last {
                if SSL_SESSION_is_resumable(newest) == 1 {
                    _ = SSL_set_session(ssl, newest)  // takes its own reference
                    return
                }
                state.entries.removeLast()
                SSL_SESSION_free(newest)
            }
        }
    }
}

/// The `SSL_CTX_sess_set_new_cb` entry point. The cache is the `SSL_CTX`'s ex-data slot 0,
/// unretained (the ``TLSContext`` owns the cache and frees its `SSL_CTX` first). Returning 1
/// keeps the session reference.
func relayNewSessionCallback(_ ssl: OpaquePointer?, _ session: OpaquePointer?) -> Int32 {
    guard let ssl, let session, let context = SSL_get_SSL_CTX(ssl), let pointer = SSL_CTX_get_ex_data(context, 0) else {
        return 0
    }
    Unmanaged<ClientSessionCache>.fromOpaque(pointer).takeUnretainedValue().store(session)
    return 1
}
