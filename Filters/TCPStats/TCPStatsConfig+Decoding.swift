import RelayValues

/// A coding key for any field name, so decoding can accept both protobuf JSON spellings and
/// reject unknown fields.
struct ProtobufFieldKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Reads protobuf-JSON-style objects: each field by its snake_case or lowerCamelCase name,
/// unknown fields rejected.
struct ProtobufObjectReader {
    let container: KeyedDecodingContainer<ProtobufFieldKey>

    init(decoder: any Decoder, fields: [String]) throws {
        container = try decoder.container(keyedBy: ProtobufFieldKey.self)
        let known = Set(fields + fields.map(Self.lowerCamel) + ["@type"])
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw Self.error(TCPStatsConfigError.unknownField(key.stringValue), at: key, in: container)
        }
    }

    /// The key actually present for `field`, in either spelling.
    func key(_ field: String) -> ProtobufFieldKey? {
        let snake = ProtobufFieldKey(field)
        if container.contains(snake) { return snake }
        let camel = ProtobufFieldKey(Self.lowerCamel(field))
        return container.contains(camel) ? camel : nil
    }

    func decode<T: Decodable>(_ type: T.Type, _ field: String) throws -> T? {
        guard let key = key(field) else { return nil }
        if try container.decodeNil(forKey: key) { return nil }
        return try container.decode(type, forKey: key)
    }

    func duration(_ field: String) throws -> Duration? {
        guard let key = key(field), let text = try decode(String.self, field) else { return nil }
        switch ProtobufDurationText.parse(text) {
        case .success(let parsed):
            let duration = Duration.seconds(parsed.seconds) + .nanoseconds(Int64(parsed.nanos))
            guard duration >= .zero else {
                throw Self.error(.invalidDuration(field: field, value: text, reason: "must not be negative"), at: key, in: container)
            }
            return duration
        case .failure(let failure):
            throw Self.error(.invalidDuration(field: field, value: text, reason: failure.reason), at: key, in: container)
        }
    }

    /// Wraps a config error in a `DecodingError` that carries the coding path of the field, so
    /// a config loader can point at the offending line.
    static func error(
        _ error: TCPStatsConfigError,
        at key: ProtobufFieldKey,
        in container: KeyedDecodingContainer<ProtobufFieldKey>
    ) -> DecodingError {
        .dataCorrupted(
            DecodingError.Context(
                codingPath: container.codingPath + [key],
                debugDescription: error.description,
                underlyingError: error
            )
        )
    }

    static func lowerCamel(_ snake: String) -> String {
        var out = ""
        var upperNext = false
        for character in snake {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                out += character.uppercased()
                upperNext = false
            } else {
                out.append(character)
            }
        }
        return out
    }
}

extension TCPStatsConfig: Decodable {
    static let fieldNames = [
        "disable_host_header_fallback", "tcp_reporting_duration", "metrics", "definitions", "reporter",
        "rotation_interval", "graceful_deletion_interval",
    ]

    /// Decodes the protobuf JSON/YAML form of `stats.PluginConfig`.
    ///
    /// Errors are `DecodingError.dataCorrupted` whose `underlyingError` is a
    /// ``TCPStatsConfigError`` and whose coding path names the field.
    public init(from decoder: any Decoder) throws {
        let reader = try ProtobufObjectReader(decoder: decoder, fields: Self.fieldNames)
        let duration = try reader.duration("tcp_reporting_duration") ?? Self.defaultTCPReportingDuration
        // Deprecated and without effect in Relay, but still fields of the proto: validate only.
        _ = try reader.duration("rotation_interval")
        _ = try reader.duration("graceful_deletion_interval")

        var reporter = Reporter.unspecified
        if let key = reader.key("reporter") {
            if let number = try? reader.container.decode(Int.self, forKey: key) {
                switch number {
                case 0: reporter = .unspecified
                case 1: reporter = .serverGateway
                default:
                    throw ProtobufObjectReader.error(.invalidReporter(String(number)), at: key, in: reader.container)
                }
            } else {
                let text = try reader.container.decode(String.self, forKey: key)
                guard let value = Reporter(rawValue: text) else {
                    throw ProtobufObjectReader.error(.invalidReporter(text), at: key, in: reader.container)
                }
                reporter = value
            }
        }

        if let key = reader.key("definitions"),
            let definitions = try reader.decode([MetricDefinitionName].self, "definitions"), !definitions.isEmpty
        {
            throw ProtobufObjectReader.error(
                .customMetricDefinitionsNotSupported(names: definitions.map(\.name)),
                at: key,
                in: reader.container
            )
        }

        let metrics = try reader.decode([MetricConfig].self, "metrics") ?? []
        let disableHostHeaderFallback = try reader.decode(Bool.self, "disable_host_header_fallback") ?? false
        do throws(TCPStatsConfigError) {
            try self.init(
                tcpReportingDuration: duration,
                reporter: reporter,
                disableHostHeaderFallback: disableHostHeaderFallback,
                metrics: metrics
            )
        } catch {
            let key = reader.key("metrics") ?? ProtobufFieldKey("metrics")
            throw ProtobufObjectReader.error(error, at: key, in: reader.container)
        }
    }

    /// Just the `name` of a `definitions[]` entry, for the error message.
    private struct MetricDefinitionName: Decodable {
        var name: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: ProtobufFieldKey.self)
            name = try container.decodeIfPresent(String.self, forKey: ProtobufFieldKey("name")) ?? ""
        }
    }
}

extension TCPStatsConfig.MetricConfig: Decodable {
    /// Decodes one `stats.MetricConfig` (`name`, `dimensions`, `tags_to_remove`, `match`, `drop`).
    public init(from decoder: any Decoder) throws {
        let reader = try ProtobufObjectReader(
            decoder: decoder,
            fields: ["dimensions", "name", "tags_to_remove", "match", "drop"]
        )
        let name = try reader.decode(String.self, "name") ?? ""
        let dimensions = try reader.decode([String: String].self, "dimensions") ?? [:]
        let tagsToRemove = try reader.decode([String].self, "tags_to_remove") ?? []
        let drop = try reader.decode(Bool.self, "drop") ?? false
        let match = try reader.decode(String.self, "match") ?? ""
        do throws(TCPStatsConfigError) {
            try self.init(name: name, dimensions: dimensions, tagsToRemove: tagsToRemove, drop: drop, match: match)
        } catch {
            let field: String
            switch error {
            case .matchNotSupported: field = "match"
            default: field = "dimensions"
            }
            let key = reader.key(field) ?? ProtobufFieldKey(field)
            throw ProtobufObjectReader.error(error, at: key, in: reader.container)
        }
    }
}
