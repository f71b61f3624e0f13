import NIOCore
import Relay
import RelayConfig

/// What a `filter_chain_matcher` reads from one accepted socket (Envoy's
/// `Network::MatchingData`): each input is computed only when a matcher asks for it.
struct NetworkMatchingData {
    let socket: AcceptedSocket

    /// The input's value as Envoy's network inputs print it, or nil when it has none.
    func value(of input: NetworkMatchInput) -> String? {
        switch input {
        case .destinationIP: return socket.localAddress?.ipAddress
        case .destinationPort: return socket.localAddress?.port.map { String($0) }
        case .sourceIP, .directSourceIP: return socket.remoteAddress?.ipAddress
        case .sourcePort: return socket.remoteAddress?.port.map { String($0) }
        case .sourceType: return isLocalSource ? "local" : nil
        case .serverName: return socket.requestedServerName.isEmpty ? nil : socket.requestedServerName
        case .transportProtocol:
            return socket.detectedTransportProtocol.isEmpty ? nil : socket.detectedTransportProtocol
        case .applicationProtocol:
            let protocols = socket.requestedApplicationProtocols
            if protocols.isEmpty { return nil }
            return "'" + protocols.joined(separator: "','") + "'"
        }
    }

    /// The input's value as a port number, without formatting it.
    func port(of input: NetworkMatchInput) -> Int? {
        switch input {
        case .destinationPort: return socket.localAddress?.port
        case .sourcePort: return socket.remoteAddress?.port
        default: return nil
        }
    }

    /// The input's address, for IP range matching and IP-keyed maps (no text, no allocation).
    func address(of input: NetworkMatchInput) -> IPAddressValue? {
        switch input {
        case .destinationIP: return IPAddressValue(socket.localAddress)
        case .sourceIP, .directSourceIP: return IPAddressValue(socket.remoteAddress)
        default: return nil
        }
    }

    /// Envoy's `SAME_IP_OR_LOOPBACK`: the peer is loopback or has the listener-side IP.
    private var isLocalSource: Bool {
        guard let source = IPAddressValue(socket.remoteAddress) else { return false }
        return source.isLoopback || source == IPAddressValue(socket.localAddress)
    }
}
