import NIOCore
#if os(Linux)
import RelayIO
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A listener or the admin server could not bind its address (the port is taken, the address
/// is not local, the process lacks the privilege): ``RelayServer/start()`` throws it, and
/// `relay` prints its one line and exits 1.
public struct BindError: Error, CustomStringConvertible, Sendable {
    /// The listener's name; `nil` for the admin server.
    public let listener: String?
    /// The address, `ip:port` (`[ip]:port` for IPv6).
    public let address: String
    /// The system's reason (`Address already in use`).
    public let reason: String

    /// Creates the error for `listener` (nil: the admin server) from what the bind threw.
    init(listener: String?, address: SocketAddress, underlying: any Error) {
        self.listener = listener
        self.address = Self.render(address)
        if let io = underlying as? IOError {
            reason = String(cString: strerror(io.errnoCode))
        } else if let socketError = underlying as? SocketError {
            reason = String(cString: strerror(socketError.code))
        } else {
            reason = "\(underlying)"
        }
    }

    /// `error adding listener 'front': cannot bind '127.0.0.1:8080': Address already in use`,
    /// Envoy's wording; `admin: cannot bind …` for the admin server.
    public var description: String {
        let what = listener.map { "error adding listener '\($0)'" } ?? "admin"
        return "\(what): cannot bind '\(address)': \(reason)"
    }

    private static func render(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
