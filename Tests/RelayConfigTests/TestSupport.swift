import Foundation
import RelayConfig
import Testing

/// Loads `yaml` as a bootstrap and returns the rendered error, or nil if it loaded.
func bootstrapError(_ yaml: String, fileName: String = "envoy.yaml") -> String? {
    do {
        _ = try BootstrapLoader().load(yaml: yaml, fileName: fileName)
        return nil
    } catch let error as ConfigError {
        return error.description
    } catch {
        return "unexpected error type: \(error)"
    }
}

/// Decodes `T` from `yaml` and returns the rendered error, or nil if it decoded.
func decodeError<T: Decodable>(_ type: T.Type, _ yaml: String, fileName: String = "t.yaml") -> String? {
    do {
        _ = try ConfigDecoder().decode(type, yaml: yaml, fileName: fileName)
        return nil
    } catch let error as ConfigError {
        return error.description
    } catch {
        return "unexpected error type: \(error)"
    }
}

/// The path of a fixture file shipped with the tests.
func fixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures"))
    return url.path
}
