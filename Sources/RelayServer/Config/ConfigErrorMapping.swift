import Relay
import RelayConfig

/// Turns whatever a factory threw into a `ConfigError` at the right `file:line:col`.
enum ConfigErrorMapping {
    static func map(_ error: any Error, in body: ConfigNode, fallback: Mark) -> any Error {
        switch error {
        case let error as ConfigError:
            return error
        case let error as any ConfigFieldError:
            let mark = error.configFieldPath.flatMap { locate(path: $0, in: body) } ?? fallback
            return ConfigError(error.fieldErrorMessage, at: mark)
        case let error as DecodingError:
            return map(decoding: error, in: body, fallback: fallback)
        default:
            return ConfigError(String(describing: error), at: fallback)
        }
    }

    private static func map(decoding error: DecodingError, in body: ConfigNode, fallback: Mark) -> ConfigError {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
        @unknown default:
            return ConfigError(String(describing: error), at: fallback)
        }
        if let underlying = context.underlyingError as? ConfigError { return underlying }
        var path = context.codingPath
        var message = context.debugDescription
        if case .keyNotFound(let key, _) = error {
            message = "missing required field '\(key.stringValue)'"
        }
        if let underlying = context.underlyingError {
            message = String(describing: underlying)
        }
        var mark = fallback
        while !path.isEmpty {
            if let found = locate(codingPath: path, in: body) {
                mark = found
                break
            }
            path.removeLast()
        }
        return ConfigError(message, at: mark)
    }

    /// Finds the node at a dotted path with `[n]` indexes (`a.b[0].c`).
    static func locate(path: String, in node: ConfigNode) -> Mark? {
        var components: [PathComponent] = []
        for part in path.split(separator: ".") {
            var text = Substring(part)
            if let bracket = text.firstIndex(of: "[") {
                components.append(.key(String(text[..<bracket])))
                text = text[bracket...]
                while text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                    if let index = Int(text[text.index(after: text.startIndex)..<close]) { components.append(.index(index)) }
                    text = text[text.index(after: close)...]
                }
            } else {
                components.append(.key(String(text)))
            }
        }
        return locate(components, in: node)
    }

    private static func locate(codingPath: [any CodingKey], in node: ConfigNode) -> Mark? {
        locate(codingPath.map { $0.intValue.map(PathComponent.index) ?? .key($0.stringValue) }, in: node)
    }

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    private static func locate(_ components: [PathComponent], in root: ConfigNode) -> Mark? {
        var node = root
        var keyMark: Mark?
        for component in components {
            switch component {
            case .key(let key):
                guard let mapping = node.mapping,
                    let entry = mapping.entries.first(where: { snakeCase($0.keyString) == snakeCase(key) })
                else { return nil }
                keyMark = entry.key.mark
                node = entry.value
            case .index(let index):
                if let sequence = node.sequence {
                    guard sequence.elements.indices.contains(index) else { return nil }
                    node = sequence.elements[index]
                } else if index != 0 {
                    return nil
                }
            }
        }
        // Point at the value, or at the key when the value is empty.
        return node.isNull ? (keyMark ?? node.mark) : node.mark
    }

    static func snakeCase(_ key: String) -> String {
        var out = ""
        for character in key {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}
