import Foundation
import Relay

/// A ``TypedConfigDecoding`` over a JSON text, standing in for the config loader's YAML
/// node in registry tests.
struct JSONTypedConfig: TypedConfigDecoding {
    let json: String

    init(_ json: String) {
        self.json = json
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }
}
