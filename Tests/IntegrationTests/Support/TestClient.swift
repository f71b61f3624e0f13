import NIOCore
import NIOPosix

/// A real TCP client for integration tests.
enum TestClient {
    /// Connects to 127.0.0.1:`port`, sends `payload` in `chunkSize` pieces, half-closes, and
    /// returns every byte received until the peer's FIN.
    static func exchange(
        port: Int,
        payload: ByteBuffer,
        chunkSize: Int = 64 * 1024,
        group: any EventLoopGroup
    ) async throws -> ByteBuffer {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    var rest = payload
                    while rest.readableBytes > 0 {
                        let chunk = rest.readSlice(length: min(chunkSize, rest.readableBytes))!
                        try await outbound.write(chunk)
                    }
                    outbound.finish()
                    return nil
                }
                group.addTask {
                    var received = ByteBuffer()
                    for try await var chunk in inbound {
                        received.writeBuffer(&chunk)
                    }
                    return received
                }
                var result = ByteBuffer()
                for try await value in group {
                    if let value { result = value }
                }
                return result
            }
        }
    }

    /// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
    static func payload(size: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        var state = seed
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var index = 0
            while index < size {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                var word = state
                for _ in 0..<8 where index < size {
                    raw[index] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    index += 1
                }
            }
            return size
        }
        return buffer
    }
}
