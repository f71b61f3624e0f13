/// Envoy's `tls_inspector` listener filter configuration
/// (`envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`).
public struct TLSInspectorConfig: Sendable, Hashable, Decodable {
    /// `enable_ja3_fingerprinting` (default false).
    public var enableJA3Fingerprinting: Bool
    /// `enable_ja4_fingerprinting` (default false).
    public var enableJA4Fingerprinting: Bool
    /// `initial_read_buffer_size` (256 < x ≤ 65536); `nil` means peek up to the maximum at once.
    public var initialReadBufferSize: Int?
    /// `max_client_hello_size` (≤ 16384, default 16384).
    public var maxClientHelloSize: Int
    /// `close_connection_on_client_hello_parsing_errors` (default false: treat as plaintext).
    public var closeConnectionOnClientHelloParsingErrors: Bool

    /// Creates a configuration.
    public init(
        enableJA3Fingerprinting: Bool = false,
        enableJA4Fingerprinting: Bool = false,
        initialReadBufferSize: Int? = nil,
        maxClientHelloSize: Int = ClientHelloParser.maximumClientHelloSize,
        closeConnectionOnClientHelloParsingErrors: Bool = false
    ) {
        self.enableJA3Fingerprinting = enableJA3Fingerprinting
        self.enableJA4Fingerprinting = enableJA4Fingerprinting
        self.initialReadBufferSize = initialReadBufferSize
        self.maxClientHelloSize = maxClientHelloSize
        self.closeConnectionOnClientHelloParsingErrors = closeConnectionOnClientHelloParsingErrors
    }

    private enum CodingKeys: String, CodingKey {
        case enableJA3Fingerprinting = "enable_ja3_fingerprinting"
        case enableJA4Fingerprinting = "enable_ja4_fingerprinting"
        case initialReadBufferSize = "initial_read_buffer_size"
        case maxClientHelloSize = "max_client_hello_size"
        case closeConnectionOnClientHelloParsingErrors = "close_connection_on_client_hello_parsing_errors"
    }

    /// Decodes the filter's `typed_config`, enforcing Envoy's field limits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enableJA3Fingerprinting = try container.decodeIfPresent(Bool.self, forKey: .enableJA3Fingerprinting) ?? false
        enableJA4Fingerprinting = try container.decodeIfPresent(Bool.self, forKey: .enableJA4Fingerprinting) ?? false
        initialReadBufferSize = try container.decodeIfPresent(Int.self, forKey: .initialReadBufferSize)
        if let size = initialReadBufferSize, size <= 255 || size > 65536 {
            throw DecodingError.dataCorruptedError(
                forKey: .initialReadBufferSize,
                in: container,
                debugDescription: "initial_read_buffer_size must be greater than 255 and at most 65536"
            )
        }
        maxClientHelloSize =
            try container.decodeIfPresent(Int.self, forKey: .maxClientHelloSize) ?? ClientHelloParser.maximumClientHelloSize
        if maxClientHelloSize <= 0 || maxClientHelloSize > ClientHelloParser.maximumClientHelloSize {
            throw DecodingError.dataCorruptedError(
                forKey: .maxClientHelloSize,
                in: container,
                debugDescription: "max_client_hello_size must be between 1 and 16384"
            )
        }
        closeConnectionOnClientHelloParsingErrors =
            try container.decodeIfPresent(Bool.self, forKey: .closeConnectionOnClientHelloParsingErrors) ?? false
    }

    /// A parser with this configuration's size limit.
    public var parser: ClientHelloParser { ClientHelloParser(maxClientHelloSize: maxClientHelloSize) }

    /// How many bytes to peek first: the initial buffer size, capped at the maximum.
    public var initialPeekSize: Int { min(initialReadBufferSize ?? maxClientHelloSize, maxClientHelloSize) }
}
