import NIOCore
import RelayConfig
#if os(Linux)
import RelayIO
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The raw socket options a listener's or a cluster's config asks for, in the order Envoy
/// applies them: `transparent` and `freebind` (listeners), the `tcp_keepalive` settings, then
/// `socket_options` as written.
enum SocketOptionPlan {
    /// The option numbers, from the system headers where Glibc exports them.
    private enum Linux {
        static let solSocket = SOL_SOCKET
        static let soKeepalive = SO_KEEPALIVE
        static let ipprotoIP = Int32(IPPROTO_IP)
        static let ipprotoIPv6 = Int32(IPPROTO_IPV6)
        static let ipprotoTCP = Int32(IPPROTO_TCP)
        static let ipFreebind = IP_FREEBIND
        static let ipTransparent = IP_TRANSPARENT
        /// `IPV6_TRANSPARENT` and `IPV6_FREEBIND` (linux/in6.h, not exported by Glibc).
        static let ipv6Transparent: Int32 = 75
        static let ipv6Freebind: Int32 = 78
        static let tcpKeepIdle = TCP_KEEPIDLE
        static let tcpKeepInterval = TCP_KEEPINTVL
        static let tcpKeepCount = TCP_KEEPCNT
    }

    /// The options for a listener socket bound to `address`.
    static func listener(_ config: ListenerConfig, address: SocketAddress) -> [SocketOptionConfig] {
        let ipv6 = address.protocol == .inet6
        var options: [SocketOptionConfig] = []
        if config.transparent == true {
            options.append(.init(description: "transparent", level: Linux.ipprotoIP, name: Linux.ipTransparent, intValue: 1))
            if ipv6 {
                options.append(.init(description: "transparent", level: Linux.ipprotoIPv6, name: Linux.ipv6Transparent, intValue: 1))
            }
        }
        if config.freebind == true {
            options.append(
                ipv6
                    ? .init(description: "freebind", level: Linux.ipprotoIPv6, name: Linux.ipv6Freebind, intValue: 1)
                    : .init(description: "freebind", level: Linux.ipprotoIP, name: Linux.ipFreebind, intValue: 1)
            )
        }
        if let keepalive = config.tcpKeepalive { options += self.keepalive(keepalive) }
        return options + config.socketOptions
    }

    /// The options for a cluster's upstream sockets (`upstream_connection_options`).
    static func cluster(_ config: ClusterConfig) -> [SocketOptionConfig] {
        config.upstreamConnectionOptions?.tcpKeepalive.map(keepalive) ?? []
    }

    /// `SO_KEEPALIVE` plus the probe settings that are set.
    static func keepalive(_ config: TCPKeepaliveConfig) -> [SocketOptionConfig] {
        var options: [SocketOptionConfig] = [
            .init(description: "tcp_keepalive", level: Linux.solSocket, name: Linux.soKeepalive, intValue: 1)
        ]
        if let probes = config.probes {
            options.append(.init(description: "keepalive_probes", level: Linux.ipprotoTCP, name: Linux.tcpKeepCount, intValue: Int32(clamping: probes)))
        }
        if let time = config.time {
            options.append(.init(description: "keepalive_time", level: Linux.ipprotoTCP, name: Linux.tcpKeepIdle, intValue: Int32(clamping: time)))
        }
        if let interval = config.interval {
            options.append(.init(description: "keepalive_interval", level: Linux.ipprotoTCP, name: Linux.tcpKeepInterval, intValue: Int32(clamping: interval)))
        }
        return options
    }
}

extension SocketOptionConfig {
    #if os(Linux)
    /// The option for the `native` engine's sockets.
    var rawOption: RawSocketOption {
        RawSocketOption(level: level, name: name, value: intValue)
    }
    #endif

    /// The option as NIO spells it.
    var channelOption: ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(level: NIOBSDSocket.OptionLevel(rawValue: level), name: NIOBSDSocket.Option(rawValue: name))
    }
}
