/// Builds a ``ConfigNode`` tree from parser events: resolves anchors and aliases, applies
/// merge keys (`<<`) and rejects duplicate or non-scalar keys and multi-document streams.
struct YAMLComposer {
    private let parser: YAMLParser
    private var anchors: [String: ConfigNode] = [:]

    init(parser: YAMLParser) {
        self.parser = parser
    }

    /// Parses `yaml` into a node tree; an empty document is a null scalar at 1:1.
    static func compose(yaml: String, fileName: String) throws -> ConfigNode {
        var composer = YAMLComposer(parser: YAMLParser(yaml: yaml, fileName: fileName))
        return try composer.composeStream()
    }

    private mutating func composeStream() throws -> ConfigNode {
        var root: ConfigNode?
        while true {
            switch try parser.nextEvent() {
            case .streamStart, .documentEnd:
                continue
            case .streamEnd:
                return root ?? .null(at: Mark(fileName: parser.fileName, line: 1, column: 1, source: parser.source))
            case .documentStart(let mark):
                if root != nil {
                    throw ConfigError("expected a single YAML document, found a second one", at: mark)
                }
                root = try composeNode(parser.nextEvent())
            case let other:
                root = try composeNode(other)
            }
        }
    }

    private mutating func composeNode(_ event: YAMLEvent) throws -> ConfigNode {
        switch event {
        case .alias(let anchor, let mark):
            guard let node = anchors[anchor] else {
                throw ConfigError("unknown alias '*\(anchor)': no anchor '&\(anchor)' defined before it", at: mark)
            }
            return node
        case .scalar(let value, let anchor, let tag, let style, let mark):
            let node = ConfigNode.scalar(.init(value: value, style: style, tag: tag, mark: mark))
            if let anchor { anchors[anchor] = node }
            return node
        case .sequenceStart(let anchor, let mark):
            var elements: [ConfigNode] = []
            while true {
                let next = try parser.nextEvent()
                if case .sequenceEnd = next { break }
                elements.append(try composeNode(next))
            }
            let node = ConfigNode.sequence(.init(elements: elements, mark: mark))
            if let anchor { anchors[anchor] = node }
            return node
        case .mappingStart(let anchor, let mark):
            let node = ConfigNode.mapping(try composeMapping(at: mark))
            if let anchor { anchors[anchor] = node }
            return node
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw ConfigError("unexpected YAML structure", at: .file(parser.fileName))
        }
    }

    private mutating func composeMapping(at mark: Mark) throws -> ConfigNode.Mapping {
        var entries: [ConfigNode.Mapping.Entry] = []
        var seen: [String: Mark] = [:]
        var merged: [ConfigNode.Mapping] = []
        while true {
            let next = try parser.nextEvent()
            if case .mappingEnd = next { break }
            let key = try composeNode(next)
            let value = try composeNode(parser.nextEvent())
            guard case .scalar(let keyScalar) = key else {
                throw ConfigError("mapping keys must be scalars, found \(key.kindDescription)", at: key.mark)
            }
            if Self.isMergeKey(keyScalar) {
                merged += try mergeSources(value)
                continue
            }
            if let first = seen[keyScalar.value] {
                throw ConfigError(
                    "duplicate key '\(keyScalar.value)' (first given at \(first.lineAndColumn))",
                    at: keyScalar.mark
                )
            }
            seen[keyScalar.value] = keyScalar.mark
            entries.append(.init(key: key, value: value))
        }
        // Explicit keys win over merged ones; earlier merge sources win over later ones.
        for source in merged {
            for entry in source.entries where seen[entry.keyString] == nil {
                seen[entry.keyString] = entry.key.mark
                entries.append(entry)
            }
        }
        return .init(entries: entries, mark: mark)
    }

    private static func isMergeKey(_ key: ConfigNode.Scalar) -> Bool {
        key.value == "<<" && key.style == .plain && (key.tag == nil || key.tag == "tag:yaml.org,2002:merge")
    }

    private func mergeSources(_ value: ConfigNode) throws -> [ConfigNode.Mapping] {
        switch value {
        case .mapping(let mapping):
            return [mapping]
        case .sequence(let sequence):
            return try sequence.elements.map { element in
                guard case .mapping(let mapping) = element else {
                    throw ConfigError(
                        "merge key '<<' needs a mapping or a list of mappings, found \(element.kindDescription)",
                        at: element.mark
                    )
                }
                return mapping
            }
        case .scalar:
            throw ConfigError(
                "merge key '<<' needs a mapping or a list of mappings, found \(value.kindDescription)",
                at: value.mark
            )
        }
    }
}
