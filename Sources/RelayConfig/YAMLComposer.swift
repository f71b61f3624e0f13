/// Builds a ``ConfigNode`` tree from parser events: resolves anchors and aliases, applies
/// merge keys (`<<`) and rejects duplicate or non-scalar keys and multi-document streams.
///
/// Hostile input is refused with a positioned error: nesting deeper than
/// ``ConfigNode/maxNestingDepth``, more than ``ConfigNode/maxAliasReferences`` aliases, or
/// aliases that would expand to more than ``ConfigNode/maxAliasExpandedNodes`` nodes.
struct YAMLComposer {
    /// An anchored node and its size in nodes (aliases inside it counted expanded).
    private struct Anchor {
        var node: ConfigNode
        var expandedSize: Int
    }

    private let parser: YAMLParser
    private var anchors: [String: Anchor] = [:]
    /// The current nesting depth of mappings and sequences.
    private var depth = 0
    /// Nodes composed so far, counting each alias as the expanded size of its anchor.
    private var expandedNodeCount = 0
    /// Alias references seen so far.
    private var aliasReferences = 0
    /// Nodes added by alias references so far.
    private var aliasExpandedNodes = 0

    init(parser: YAMLParser) {
        self.parser = parser
    }

    /// Parses `yaml` into a node tree; an empty document is a null scalar at 1:1.
    static func compose(yaml: String, fileName: String) throws -> ConfigNode {
        guard yaml.utf8.count <= ConfigNode.maxSourceBytes else {
            throw ConfigError(
                "configuration is larger than \(ConfigNode.maxSourceBytes >> 20) MiB",
                at: .file(fileName)
            )
        }
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
            guard let target = anchors[anchor] else {
                throw ConfigError("unknown alias '*\(anchor)': no anchor '&\(anchor)' defined before it", at: mark)
            }
            try countAlias(target, at: mark)
            return target.node
        case .scalar(let value, let anchor, let tag, let style, let mark):
            expandedNodeCount += 1
            let node = ConfigNode.scalar(.init(value: value, style: style, tag: tag, mark: mark))
            if let anchor { anchors[anchor] = Anchor(node: node, expandedSize: 1) }
            return node
        case .sequenceStart(let anchor, let mark):
            let start = try enterCollection(at: mark)
            defer { depth -= 1 }
            var elements: [ConfigNode] = []
            while true {
                let next = try parser.nextEvent()
                if case .sequenceEnd = next { break }
                elements.append(try composeNode(next))
            }
            let node = ConfigNode.sequence(.init(elements: elements, mark: mark))
            if let anchor { anchors[anchor] = Anchor(node: node, expandedSize: expandedNodeCount - start) }
            return node
        case .mappingStart(let anchor, let mark):
            let start = try enterCollection(at: mark)
            defer { depth -= 1 }
            let node = ConfigNode.mapping(try composeMapping(at: mark))
            if let anchor { anchors[anchor] = Anchor(node: node, expandedSize: expandedNodeCount - start) }
            return node
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw ConfigError("unexpected YAML structure", at: .file(parser.fileName))
        }
    }

    /// Counts a new mapping or sequence one level deeper; returns the node count before it.
    private mutating func enterCollection(at mark: Mark) throws -> Int {
        guard depth < ConfigNode.maxNestingDepth else {
            throw ConfigError(
                "mappings and lists are nested more than \(ConfigNode.maxNestingDepth) levels deep",
                at: mark
            )
        }
        depth += 1
        expandedNodeCount += 1
        return expandedNodeCount - 1
    }

    /// Counts one alias reference and the nodes it copies against the limits.
    private mutating func countAlias(_ target: Anchor, at mark: Mark) throws {
        aliasReferences += 1
        guard aliasReferences <= ConfigNode.maxAliasReferences else {
            throw ConfigError(
                "more than \(ConfigNode.maxAliasReferences) alias references in one configuration",
                at: mark
            )
        }
        aliasExpandedNodes += target.expandedSize
        guard aliasExpandedNodes <= ConfigNode.maxAliasExpandedNodes else {
            throw ConfigError(
                "aliases expand to more than \(ConfigNode.maxAliasExpandedNodes) nodes "
                    + "(this alias copies \(target.expandedSize)); is this an alias bomb?",
                at: mark
            )
        }
        expandedNodeCount += target.expandedSize
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
