import NIOCore

/// The 8-byte header in front of an exchanged payload: a big-endian magic and a big-endian
/// payload length (Istio's packed `MetadataExchangeInitialHeader`).
public struct MetadataExchangeHeader: Sendable, Hashable {
    /// `0x3D230467`.
    public static let magic: UInt32 = 0x3D23_0467
    /// The header's size on the wire.
    public static let size = 8

    /// The payload's length in bytes.
    public var payloadLength: UInt32

    /// A header for a payload of `payloadLength` bytes.
    public init(payloadLength: UInt32) {
        self.payloadLength = payloadLength
    }

    /// Appends the header to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.magic, endianness: .big)
        buffer.writeInteger(payloadLength, endianness: .big)
    }

    /// What the first 8 readable bytes of `buffer` are, without consuming them.
    public enum Peek: Sendable, Hashable {
        /// Fewer than 8 bytes are buffered.
        case needMoreData
        /// The first 4 bytes are not the magic.
        case magicMismatch
        /// A header.
        case header(MetadataExchangeHeader)
    }

    /// Looks at the start of `buffer`.
    public static func peek(_ buffer: ByteBuffer) -> Peek {
        guard buffer.readableBytes >= size,
            let magic = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 4, endianness: .big, as: UInt32.self)
        else { return .needMoreData }
        guard magic == Self.magic else { return .magicMismatch }
        return .header(MetadataExchangeHeader(payloadLength: length))
    }
}
