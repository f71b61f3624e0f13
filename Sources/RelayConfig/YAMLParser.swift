internal import CLibYAML

/// One libyaml parser together with the input bytes it reads from (libyaml keeps a pointer
/// into them, so both live and die together here). Produces Swift ``YAMLEvent`` values;
/// no libyaml type leaves this file.
final class YAMLParser {
    /// The file name used in marks.
    let fileName: String
    /// The source text, shared by every mark this parser produces.
    let source: SourceText

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let inputCount: Int
    private let initialized: Bool

    /// Creates a parser over `yaml`; marks carry `fileName`.
    init(yaml: String, fileName: String) {
        self.fileName = fileName
        self.source = SourceText(yaml)
        let bytes = Array(yaml.utf8)
        inputCount = bytes.count
        input = .allocate(capacity: max(1, bytes.count))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        initialized = yaml_parser_initialize(parser) == 1
        if initialized {
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(parser, input.baseAddress, inputCount)
        }
    }

    deinit {
        if initialized { yaml_parser_delete(parser) }
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or a ``ConfigError`` for a YAML syntax error.
    func nextEvent() throws -> YAMLEvent {
        guard initialized else {
            throw ConfigError("cannot initialize the YAML parser (out of memory)", at: .file(fileName))
        }
        let event = LibYAMLEvent()
        guard yaml_parser_parse(parser, event.raw) == 1 else { throw currentError() }
        return convert(event.raw.pointee)
    }

    /// Builds a mark from a 0-based libyaml mark.
    private func mark(_ raw: yaml_mark_t) -> Mark {
        Mark(fileName: fileName, line: Int(raw.line) + 1, column: Int(raw.column) + 1, source: source)
    }

    /// Computes a mark for a byte offset (reader errors carry only an offset).
    private func mark(byteOffset: Int) -> Mark {
        var line = 1
        var lineStart = 0
        let end = min(byteOffset, inputCount)
        for index in 0..<end where input[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let prefix = UnsafeBufferPointer(rebasing: input[lineStart..<end])
        let column = String(decoding: prefix, as: UTF8.self).unicodeScalars.count + 1
        return Mark(fileName: fileName, line: line, column: column, source: source)
    }

    private func currentError() -> ConfigError {
        let state = parser.pointee
        let problem = string(state.problem) ?? "unknown problem"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return ConfigError("YAML parser ran out of memory", at: .file(fileName))
        case YAML_READER_ERROR:
            return ConfigError("invalid YAML input: \(problem)", at: mark(byteOffset: Int(state.problem_offset)))
        default:
            var message = "YAML syntax error: \(problem)"
            if let context = string(state.context) {
                message += " (\(context) at \(mark(state.context_mark).lineAndColumn))"
            }
            return ConfigError(message, at: mark(state.problem_mark))
        }
    }

    private func convert(_ event: yaml_event_t) -> YAMLEvent {
        let at = mark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart(at)
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: string(event.data.alias.anchor) ?? "", mark: at)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(scalar.length)), as: UTF8.self)
                } ?? ""
            return .scalar(
                value: value,
                anchor: string(scalar.anchor),
                tag: string(scalar.tag).flatMap { $0 == "!" ? nil : $0 },
                style: style(scalar.style),
                mark: at
            )
        case YAML_SEQUENCE_START_EVENT:
            return .sequenceStart(anchor: string(event.data.sequence_start.anchor), mark: at)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            return .mappingStart(anchor: string(event.data.mapping_start.anchor), mark: at)
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default: return .streamEnd
        }
    }

    private func style(_ raw: yaml_scalar_style_t) -> ConfigNode.Scalar.Style {
        switch raw {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    /// C strings become Swift strings here (invalid UTF-8 is repaired).
    private func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }
}

/// Owns one `yaml_event_t` and frees it in `deinit`.
private final class LibYAMLEvent {
    let raw: UnsafeMutablePointer<yaml_event_t>

    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: yaml_event_t())
    }

    deinit {
        yaml_event_delete(raw)
        raw.deallocate()
    }
}
