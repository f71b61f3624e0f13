import Relay
import RelayConfig

/// Config values (from YAML) to the core's metadata values.
enum MetadataConversion {
    static func convert(_ value: ConfigValue) -> MetadataValue {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .number(let number): return .number(number)
        case .string(let string): return .string(string)
        case .list(let list): return .list(list.map(convert))
        case .structure(let fields): return .object(fields.mapValues(convert))
        }
    }
}
