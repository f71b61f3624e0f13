/// Turns a flat stat name into Envoy's tag-extracted name and tags
/// (`cluster.backend.upstream_cx_total` → `cluster.upstream_cx_total`,
/// `envoy.cluster_name="backend"`), as Envoy's `TagProducerImpl` does.
///
/// Rules without a prefix token are tried first, then those whose prefix token is the
/// name's first token, each group in configuration order: Envoy's defaults (unless
/// `use_all_default_tags: false`) followed by the bootstrap's `stats_tags`. When several
/// rules share a tag name, the first that matches wins.
public struct StatTagProducer: Sendable {
    /// Envoy's default rules only.
    public static let envoyDefault = StatTagProducer()

    private var unprefixed: [StatTagExtractor] = []
    private var byPrefix: [String: [StatTagExtractor]] = [:]
    private var duplicatedNames: Set<String> = []
    private var names: Set<String> = []

    /// A producer with Envoy's default rules (when `useDefaultTags`) and then `extractors`.
    public init(extractors: [StatTagExtractor] = [], useDefaultTags: Bool = true) {
        if useDefaultTags {
            for extractor in EnvoyDefaultTagRules.extractors { add(extractor) }
        }
        for extractor in extractors { add(extractor) }
    }

    /// Envoy's default rules for tag `name` (a `stats_tags` entry with neither regex nor value).
    public static func defaultExtractors(named name: String) -> [StatTagExtractor] {
        EnvoyDefaultTagRules.extractors.filter { $0.name == name }
    }

    private mutating func add(_ extractor: StatTagExtractor) {
        if !names.insert(extractor.name).inserted { duplicatedNames.insert(extractor.name) }
        if extractor.prefixToken.isEmpty {
            unprefixed.append(extractor)
        } else {
            byPrefix[extractor.prefixToken, default: []].append(extractor)
        }
    }

    /// The tag-extracted name and tags of `name`.
    public func produce(_ name: String) -> (tagExtractedName: String, tags: [StatTag]) {
        let tokens = name.split(separator: ".", omittingEmptySubsequences: false)
        var tags: [StatTag] = []
        var removals: [Range<Int>] = []
        var extractedNames: Set<String> = []
        func apply(_ extractor: StatTagExtractor) {
            let shared = duplicatedNames.contains(extractor.name)
            if shared && extractedNames.contains(extractor.name) { return }
            if extractor.extract(from: name, tokens: tokens, into: &tags, removing: &removals), shared {
                extractedNames.insert(extractor.name)
            }
        }
        for extractor in unprefixed { apply(extractor) }
        if tokens.count > 1, let group = byPrefix[String(tokens[0])] {
            for extractor in group { apply(extractor) }
        }
        guard !removals.isEmpty else { return (name, tags) }
        var keep = [Bool](repeating: true, count: name.utf8.count)
        for range in removals {
            for index in range where index < keep.count { keep[index] = false }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keep.count)
        for (index, byte) in name.utf8.enumerated() where keep[index] { bytes.append(byte) }
        return (String(decoding: bytes, as: UTF8.self), tags)
    }
}
