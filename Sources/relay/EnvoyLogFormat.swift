import Logging
import RelayValues

#if canImport(Glibc)
import Glibc
#endif

/// Envoy's `--log-format`: an spdlog pattern. Supported specifiers: `%v` message, `%j` message
/// JSON-escaped, `%_` message C-escaped, `%n` component, `%l`/`%L` level (full/short), `%t`
/// thread (pthread id), `%P` process id, `%Y %y %m %d %H %M %S %e %f %F %T %D %R %E %z` time (UTC), `%s`
/// file name, `%g` file, `%#` line, `%!` function, `%%`; `%^`/`%$` (colour range) print
/// nothing. Any other specifier is an error at startup, never printed literally.
struct EnvoyLogFormat: Sendable {
    /// Envoy's default (`Logger::Logger::DEFAULT_LOG_FORMAT`).
    static let envoyDefault = "[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v"

    enum Piece: Sendable {
        case literal(String)
        case specifier(Character)
    }

    static let specifiers: Set<Character> = [
        "v", "j", "_", "n", "l", "L", "t", "P", "Y", "y", "m", "d", "H", "M", "S", "e", "f", "F",
        "T", "D", "R", "E", "z", "s", "g", "#", "!", "%", "^", "$",
    ]

    let pieces: [Piece]

    /// Parses `pattern`; an unknown specifier is an error naming it.
    init(_ pattern: String) throws(LogOptionError) {
        var pieces: [Piece] = []
        var literal = ""
        var iterator = pattern.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                literal.append(character)
                continue
            }
            guard let specifier = iterator.next() else {
                throw LogOptionError("--log-format '\(pattern)' ends with a lone '%'")
            }
            guard Self.specifiers.contains(specifier) else {
                throw LogOptionError("--log-format '\(pattern)': '%\(specifier)' is not supported by Relay")
            }
            if !literal.isEmpty {
                pieces.append(.literal(literal))
                literal = ""
            }
            pieces.append(.specifier(specifier))
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// One log line (without the newline).
    func render(_ record: LogRecord) -> String {
        var out = ""
        var time: tm?
        func utc() -> tm {
            if let time { return time }
            var seconds = time_t(record.time.seconds)
            var value = tm()
            gmtime_r(&seconds, &value)
            time = value
            return value
        }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .specifier(let specifier):
                switch specifier {
                case "v": out += record.message
                case "j": out += Self.jsonEscaped(record.message)
                case "_": out += Self.cEscaped(record.message)
                case "n": out += record.component
                case "l": out += record.levelName
                case "L": out += String(record.levelName.prefix(1)).uppercased()
                case "t": out += "\(record.thread)"
                case "P": out += "\(getpid())"
                case "Y": out += "\(utc().tm_year + 1900)"
                case "y": out += two((utc().tm_year + 1900) % 100)
                case "m": out += two(utc().tm_mon + 1)
                case "d": out += two(utc().tm_mday)
                case "H": out += two(utc().tm_hour)
                case "M": out += two(utc().tm_min)
                case "S": out += two(utc().tm_sec)
                case "e": out += padded(record.time.nanoseconds / 1_000_000, 3)
                case "f": out += padded(record.time.nanoseconds / 1_000, 6)
                case "F": out += padded(record.time.nanoseconds, 9)
                case "T": out += "\(two(utc().tm_hour)):\(two(utc().tm_min)):\(two(utc().tm_sec))"
                case "D": out += "\(two(utc().tm_mon + 1))/\(two(utc().tm_mday))/\(two((utc().tm_year + 1900) % 100))"
                case "R": out += "\(two(utc().tm_hour)):\(two(utc().tm_min))"
                case "E": out += "\(record.time.seconds)"
                case "z": out += "+00:00"
                case "s": out += String(record.file.split(separator: "/").last ?? "")
                case "g": out += record.file
                case "#": out += "\(record.line)"
                case "!": out += record.function
                case "%": out += "%"
                default: break  // %^ %$: colour ranges, no colour here
                }
            }
        }
        return out
    }

    static func jsonEscaped(_ text: String) -> String {
        JSONText.escape(text)
    }

    static func cEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// One log line's fields, as the format reads them.
struct LogRecord {
    struct Time {
        var seconds: Int
        var nanoseconds: Int
    }

    var time: Time
    var levelName: String
    var component: String
    var message: String
    var thread: UInt64
    var file: String
    var function: String
    var line: UInt
}

/// A bad logging flag: `relay` prints it and exits 1.
struct LogOptionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
