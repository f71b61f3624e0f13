import Foundation

/// Where a certificate, key, CA bundle or password comes from (Envoy's `config.core.v3.DataSource`).
///
/// Exactly one of `filename`, `inline_string`, `inline_bytes` (base64 in YAML/JSON) or
/// `environment_variable` must be set.
public enum DataSource: Sendable, Hashable, Decodable {
    /// Read from a file on disk when the TLS context is built.
    case filename(String)
    /// The value itself, as text (usually PEM).
    case inlineString(String)
    /// The value itself, as bytes (decoded from base64 in the configuration).
    case inlineBytes([UInt8])
    /// Read from an environment variable when the TLS context is built.
    case environmentVariable(String)

    private enum CodingKeys: String, CodingKey {
        case filename
        case inlineString = "inline_string"
        case inlineBytes = "inline_bytes"
        case environmentVariable = "environment_variable"
    }

    /// Decodes the `DataSource` oneof; exactly one field must be present.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var found: [DataSource] = []
        if let name = try container.decodeIfPresent(String.self, forKey: .filename) {
            found.append(.filename(name))
        }
        if let text = try container.decodeIfPresent(String.self, forKey: .inlineString) {
            found.append(.inlineString(text))
        }
        if let base64 = try container.decodeIfPresent(String.self, forKey: .inlineBytes) {
            guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .inlineBytes,
                    in: container,
                    debugDescription: "inline_bytes is not valid base64"
                )
            }
            found.append(.inlineBytes(Array(data)))
        }
        if let variable = try container.decodeIfPresent(String.self, forKey: .environmentVariable) {
            found.append(.environmentVariable(variable))
        }
        guard found.count == 1, let source = found.first else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: found.isEmpty
                        ? "a DataSource needs one of filename, inline_string, inline_bytes or environment_variable"
                        : "a DataSource may set only one of filename, inline_string, inline_bytes or environment_variable"
                )
            )
        }
        self = source
    }

    /// Loads the bytes. This may read a file, so call it off the event loop.
    ///
    /// - Parameter fieldPath: The configuration path reported in errors.
    /// - Throws: ``TLSConfigurationError`` if the file or variable cannot be read.
    public func load(fieldPath: String) throws -> [UInt8] {
        switch self {
        case .filename(let path):
            do {
                return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw TLSConfigurationError(fieldPath: fieldPath, message: "cannot read file '\(path)': \(error.localizedDescription)")
            }
        case .inlineString(let text):
            return Array(text.utf8)
        case .inlineBytes(let bytes):
            return bytes
        case .environmentVariable(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw TLSConfigurationError(fieldPath: fieldPath, message: "environment variable '\(name)' is not set")
            }
            return Array(value.utf8)
        }
    }
}
