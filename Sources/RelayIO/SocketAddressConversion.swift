#if os(Linux)
import CRelayIO
import Glibc
import NIOCore

/// `sockaddr` ↔ NIO's `SocketAddress`.
enum SocketAddressConversion {
    /// The address in `storage` (IPv4, IPv6 or Unix), or nil for another family. No host name
    /// is attached (NIO's `SocketAddress(sockaddr_in)` formats one with `inet_ntop` for every
    /// call; `ipAddress` formats on demand).
    static func address(from storage: sockaddr_storage) -> SocketAddress? {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &storage) { SocketAddress($0.load(as: sockaddr_in.self), host: "") }
        case AF_INET6:
            return withUnsafeBytes(of: &storage) { SocketAddress($0.load(as: sockaddr_in6.self), host: "") }
        case AF_UNIX:
            return withUnsafeBytes(of: &storage) { SocketAddress($0.load(as: sockaddr_un.self)) }
        default:
            return nil
        }
    }

    /// `getsockname` of `descriptor`.
    static func local(of descriptor: CInt) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        return address(from: storage)
    }
}
#endif
