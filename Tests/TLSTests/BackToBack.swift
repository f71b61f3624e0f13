import TLS
import NIOCore

/// Two ``TLSConnection``s wired back to back in memory: whatever one produces the other
/// receives. No sockets, no sleeps.
struct BackToBack {
    let client: TLSConnection
    let server: TLSConnection
    /// Every ciphertext buffer the client sent, in order.
    private(set) var clientFlight: [ByteBuffer] = []

    init(client: TLSContext, server: TLSContext, serverName: String? = nil) throws {
        self.client = try TLSConnection(context: client, serverName: serverName)
        self.server = try TLSConnection(context: server)
    }

    /// Runs both handshakes until neither side produces bytes.
    mutating func handshake() -> (client: TLSHandshakeResult, server: TLSHandshakeResult) {
        var clientResult = client.handshake()
        var serverResult = TLSHandshakeResult.needsMoreData
        for _ in 0..<20 {
            var moved = false
            if let bytes = client.takeCiphertext() {
                clientFlight.append(bytes)
                server.receiveFromNetwork(bytes)
                moved = true
            }
            serverResult = server.handshake()
            if let bytes = server.takeCiphertext() {
                client.receiveFromNetwork(bytes)
                moved = true
            }
            clientResult = client.handshake()
            if !moved { break }
        }
        return (clientResult, serverResult)
    }

    /// Moves any pending ciphertext from `from` to `to`, in chunks of `chunk` bytes.
    static func deliver(from: TLSConnection, to: TLSConnection, chunk: Int = .max) {
        while var bytes = from.takeCiphertext() {
            while bytes.readableBytes > 0 {
                let slice = bytes.readSlice(length: min(chunk, bytes.readableBytes))!
                to.receiveFromNetwork(slice)
            }
        }
    }
}

extension TLSHandshakeResult {
    var info: TLSSessionInfo? {
        if case .completed(let info) = self { return info }
        return nil
    }

    var error: TLSHandshakeError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}
