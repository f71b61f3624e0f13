extension ConfigNode {
    /// Parses one YAML (or JSON) document into a node tree with marks naming `fileName`.
    ///
    /// Anchors/aliases and merge keys are resolved; duplicate keys, non-scalar keys and
    /// multiple documents are errors. An empty document gives a null scalar.
    /// - Throws: ``ConfigError`` (YAML syntax errors carry libyaml's problem mark).
    public static func parse(yaml: String, fileName: String) throws -> ConfigNode {
        try YAMLComposer.compose(yaml: yaml, fileName: fileName)
    }
}
