extension ConfigNode {
    /// The deepest nesting of mappings and sequences a source may have (the document root is
    /// depth 1). Deeper input is a positioned error, so hostile input cannot overflow the stack
    /// of the recursive composer and decoders; real Envoy configs stay below 30 levels.
    public static let maxNestingDepth = 256

    /// The most alias references (`*name`) one source may contain.
    public static let maxAliasReferences = 10_000

    /// The most nodes alias references may add to a document, counting each reference as the
    /// full size of the node it copies (so a nested "billion laughs" bomb is refused before it
    /// is expanded into memory by decoding).
    public static let maxAliasExpandedNodes = 1_000_000

    /// The largest configuration source accepted, in bytes (64 MiB): larger files, and
    /// endless ones such as `/dev/zero`, are refused without being read whole.
    public static let maxSourceBytes = 64 << 20
}
