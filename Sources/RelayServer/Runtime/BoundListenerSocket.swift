import NIOCore
#if os(Linux)
import RelayIO
#endif

/// One listening socket of a listener on one worker loop: a NIO server channel, or a `native`
/// engine ``ListeningSocket``.
enum BoundListenerSocket: Sendable {
    case channel(any Channel)
    #if os(Linux)
    case native(NIOLoopBound<ListeningSocket>, address: SocketAddress)
    #endif

    /// The bound address.
    var localAddress: SocketAddress? {
        switch self {
        case .channel(let channel):
            return channel.localAddress
        #if os(Linux)
        case .native(_, let address):
            return address
        #endif
        }
    }

    /// An integer option of the listening socket (for tests).
    func option(level: Int32, name: Int32) async throws -> Int32 {
        switch self {
        case .channel(let channel):
            let option = ChannelOptions.Types.SocketOption(
                level: NIOBSDSocket.OptionLevel(rawValue: level),
                name: NIOBSDSocket.Option(rawValue: name)
            )
            return Int32(truncatingIfNeeded: try await channel.getOption(option).get())
        #if os(Linux)
        case .native(let socket, _):
            return try await socket.eventLoop.submit { try socket.value.option(level: level, name: name) }.get()
        #endif
        }
    }

    /// Stops listening; returns once the socket is closed.
    func close() async {
        switch self {
        case .channel(let channel):
            try? await channel.close()
        #if os(Linux)
        case .native(let socket, _):
            try? await socket.eventLoop.submit { socket.value.close() }.get()
        #endif
        }
    }

    /// Stops listening without waiting.
    func closeSoon() {
        switch self {
        case .channel(let channel):
            channel.close(promise: nil)
        #if os(Linux)
        case .native(let socket, _):
            socket.eventLoop.execute { socket.value.close() }
        #endif
        }
    }
}
