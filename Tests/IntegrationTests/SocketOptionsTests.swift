import Foundation
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The relay's proxied sockets, as the kernel sees them: TCP_NODELAY on the accepted and the
/// upstream socket, and not SO_DEBUG (`.socketOption(.tcp_nodelay)` is SOL_SOCKET level in
/// NIO, where option 1 is SO_DEBUG).
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct SocketOptionsTests {
    /// A socket of this process: its descriptor and both ends' ports.
    struct OpenSocket {
        let fd: CInt
        let localPort: Int
        let peerPort: Int
    }

    /// Connected TCP sockets of this process (the relay runs in the test process).
    static func connectedSockets() -> [OpenSocket] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap { entry -> OpenSocket? in
            guard let fd = CInt(entry), let local = port(of: fd, peer: false), let peer = port(of: fd, peer: true) else {
                return nil
            }
            return OpenSocket(fd: fd, localPort: local, peerPort: peer)
        }
    }

    static func port(of fd: CInt, peer: Bool) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                peer ? getpeername(fd, address, &length) : getsockname(fd, address, &length)
            }
        }
        guard result == 0, storage.ss_family == sa_family_t(AF_INET) else { return nil }
        let port = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        return Int(UInt16(bigEndian: port))
    }

    static func option(_ fd: CInt, level: CInt, _ name: CInt) -> CInt {
        var value: CInt = -1
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = getsockopt(fd, level, name, &value, &length)
        return value
    }

    @Test func acceptedAndUpstreamSocketsHaveTCPNoDelayAndNotSODebug() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: ConnectionLeakTests.proxyYAML(backendPort: backend.port))
        let relayPort = relay.port("front")
        // One proxied connection held open while the sockets are inspected.
        let client = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: relayPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "PING\r\n"))
            var iterator = inbound.makeAsyncIterator()
            _ = try await iterator.next()  // echoed: the upstream socket is connected too

            let sockets = Self.connectedSockets()
            let accepted = sockets.filter { $0.localPort == relayPort }
            let upstream = sockets.filter { $0.peerPort == backend.port }
            #expect(accepted.count == 1)
            #expect(upstream.count == 1)
            for socket in accepted + upstream {
                #expect(Self.option(socket.fd, level: CInt(IPPROTO_TCP), TCP_NODELAY) != 0, "fd \(socket.fd)")
                #expect(Self.option(socket.fd, level: SOL_SOCKET, SO_DEBUG) == 0, "fd \(socket.fd)")
            }
        }
        await relay.stop()
        await backend.stop()
    }
}
