#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads a ``Bootstrap`` the way `envoy -c <file> --config-yaml <text>` does.
///
/// Reading and parsing are blocking; call it off any event loop.
public struct BootstrapLoader: Sendable {
    /// The file name used in marks for inline `--config-yaml` text.
    public static let inlineFileName = "<config-yaml>"

    /// The decoder used for the model (its `userInfo` reaches every `init(from:)`).
    public var decoder: ConfigDecoder

    /// Creates a loader.
    public init(decoder: ConfigDecoder = ConfigDecoder()) {
        self.decoder = decoder
    }

    /// Loads the bootstrap file at `path` (YAML or JSON).
    /// - Throws: ``ConfigError``.
    public func load(path: String) throws -> Bootstrap {
        try decoder.decode(Bootstrap.self, from: loadNode(path: path))
    }

    /// Loads bootstrap YAML text; marks name `fileName`.
    /// - Throws: ``ConfigError``.
    public func load(yaml: String, fileName: String = BootstrapLoader.inlineFileName) throws -> Bootstrap {
        try decoder.decode(Bootstrap.self, from: ConfigNode.parse(yaml: yaml, fileName: fileName))
    }

    /// Loads `path` (if given) and merges `configYAML` (if given, named `<config-yaml>`) on
    /// top with protobuf MergeFrom semantics (see ``ConfigNode/merging(_:)``). Errors keep
    /// each source's own file name and positions.
    /// - Throws: ``ConfigError``, also when neither source is given.
    public func load(path: String?, configYAML: String?) throws -> Bootstrap {
        try decoder.decode(Bootstrap.self, from: mergedNode(path: path, configYAML: configYAML))
    }

    /// The merged node tree for `path` and `configYAML`, before decoding (e.g. for
    /// `/config_dump` or for decoding into a custom type).
    public func mergedNode(path: String?, configYAML: String?) throws -> ConfigNode {
        var node: ConfigNode?
        if let path { node = try loadNode(path: path) }
        if let configYAML {
            let inline = try ConfigNode.parse(yaml: configYAML, fileName: Self.inlineFileName)
            node = node.map { $0.merging(inline) } ?? inline
        }
        guard let node else {
            throw ConfigError(
                "no configuration given: pass a config file (-c) or --config-yaml",
                at: .file(Self.inlineFileName)
            )
        }
        return node
    }

    /// Reads and parses the file at `path`.
    public func loadNode(path: String) throws -> ConfigNode {
        try ConfigNode.parse(yaml: Self.readFile(path), fileName: path)
    }

    /// Reads a whole file as UTF-8 (invalid bytes repaired), refusing files larger than
    /// ``ConfigNode/maxSourceBytes`` as soon as more than that has been read (so endless
    /// inputs such as `/dev/zero` fail fast).
    static func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "rb") else {
            throw ConfigError("cannot read configuration file: \(String(cString: strerror(errno)))", at: .file(path))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 {
                guard bytes.count + count <= ConfigNode.maxSourceBytes else {
                    throw ConfigError(
                        "configuration file is larger than \(ConfigNode.maxSourceBytes >> 20) MiB",
                        at: .file(path)
                    )
                }
                bytes += chunk[0..<count]
            }
            if count < chunk.count {
                if ferror(file) != 0 {
                    throw ConfigError(
                        "cannot read configuration file: \(String(cString: strerror(errno)))",
                        at: .file(path)
                    )
                }
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
