import Logging
import RelayConfig

/// `static_resources.secrets`, and the substitution of TLS contexts' references to them.
///
/// Envoy resolves an `SdsSecretConfig` without `sds_config` against the static secrets when
/// the TLS context is built (`Unknown static secret: X` otherwise). Relay does the same at
/// load by rewriting the transport socket's `typed_config` node before the TLS factory decodes
/// it: each referenced secret's body takes the reference's place (`tls_certificates`,
/// `validation_context`, or merged over `combined_validation_context.default_validation_context`
/// as protobuf `MergeFrom` does), keeping the secret's own marks for errors in its content.
struct StaticSecrets {
    /// Message names of the TLS contexts whose `common_tls_context` may reference secrets.
    static let tlsContextTypeNames: Set<String> = [
        "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
    ]

    private var tlsCertificates: [String: SecretConfig] = [:]
    private var validationContexts: [String: SecretConfig] = [:]

    /// Indexes `secrets` by kind and name.
    /// - Throws: `ConfigError` for two secrets of one kind with the same name (Envoy:
    ///   `Duplicate static TlsCertificate secret name`).
    init(_ secrets: [SecretConfig]) throws {
        for secret in secrets {
            switch secret.kind {
            case .tlsCertificate:
                guard tlsCertificates.updateValue(secret, forKey: secret.name) == nil else {
                    throw ConfigError("duplicate tls_certificate secret name '\(secret.name)'", at: secret.nameMark)
                }
            case .validationContext:
                guard validationContexts.updateValue(secret, forKey: secret.name) == nil else {
                    throw ConfigError("duplicate validation_context secret name '\(secret.name)'", at: secret.nameMark)
                }
            }
        }
    }

    /// `typed` with its `common_tls_context` secret references replaced by the secrets, when
    /// it is a TLS context; otherwise `typed` unchanged.
    func resolve(_ typed: TypedConfig, decoder: ConfigDecoder, logger: Logger) throws -> TypedConfig {
        guard Self.tlsContextTypeNames.contains(typed.typeName),
            var context = typed.value.mapping,
            let commonIndex = Self.index(of: "common_tls_context", in: context),
            var common = context.entries[commonIndex].value.mapping
        else { return typed }
        try resolveCertificates(in: &common, decoder: decoder, logger: logger)
        try resolveValidationContext(in: &common, decoder: decoder)
        try resolveCombinedValidationContext(in: &common, decoder: decoder)
        var entries = context.entries
        entries[commonIndex].value = .mapping(common)
        context = ConfigNode.Mapping(entries: entries, mark: context.mark)
        var resolved = typed
        resolved.value = .mapping(context)
        return resolved
    }

    // MARK: - References

    /// `tls_certificate_sds_secret_configs` → `tls_certificates`. As in Envoy, non-empty
    /// inline `tls_certificates` win and the references are not used (with a warning).
    private func resolveCertificates(in common: inout ConfigNode.Mapping, decoder: ConfigDecoder, logger: Logger) throws {
        guard let referenceIndex = Self.index(of: "tls_certificate_sds_secret_configs", in: common) else { return }
        let entry = common.entries[referenceIndex]
        let references = try decoder.decode([SdsSecretConfig].self, from: entry.value)
        var entries = common.entries
        let inlineIndex = Self.index(of: "tls_certificates", in: common)
        if let inlineIndex, let inline = entries[inlineIndex].value.sequence, !inline.elements.isEmpty {
            logger.warning(
                "'tls_certificate_sds_secret_configs' is not used because 'tls_certificates' is set (as in Envoy)",
                metadata: ["at": "\(entry.key.mark)"]
            )
            entries.remove(at: referenceIndex)
            common = ConfigNode.Mapping(entries: entries, mark: common.mark)
            return
        }
        let bodies = try references.map { try lookup($0, kind: .tlsCertificate, field: "tls_certificate_sds_secret_configs") }
        entries[referenceIndex] = ConfigNode.Mapping.Entry(
            key: Self.key("tls_certificates", at: entry.key.mark),
            value: .sequence(ConfigNode.Sequence(elements: bodies, mark: entry.value.mark))
        )
        if let inlineIndex { entries.remove(at: inlineIndex) }
        common = ConfigNode.Mapping(entries: entries, mark: common.mark)
    }

    /// `validation_context_sds_secret_config` → `validation_context` (members of one oneof).
    private func resolveValidationContext(in common: inout ConfigNode.Mapping, decoder: ConfigDecoder) throws {
        guard let referenceIndex = Self.index(of: "validation_context_sds_secret_config", in: common) else { return }
        let entry = common.entries[referenceIndex]
        for other in ["validation_context", "combined_validation_context"] {
            if let otherIndex = Self.index(of: other, in: common) {
                throw ConfigError(
                    "'validation_context_sds_secret_config' and '\(other)' are mutually exclusive (the validation_context_type oneof)",
                    at: common.entries[max(otherIndex, referenceIndex)].key.mark
                )
            }
        }
        let reference = try decoder.decode(SdsSecretConfig.self, from: entry.value)
        let body = try lookup(reference, kind: .validationContext, field: "validation_context_sds_secret_config")
        var entries = common.entries
        entries[referenceIndex] = ConfigNode.Mapping.Entry(key: Self.key("validation_context", at: entry.key.mark), value: body)
        common = ConfigNode.Mapping(entries: entries, mark: common.mark)
    }

    /// `combined_validation_context`: the referenced secret merged over
    /// `default_validation_context` (Envoy: `default_cvc.MergeFrom(secret)`).
    private func resolveCombinedValidationContext(in common: inout ConfigNode.Mapping, decoder: ConfigDecoder) throws {
        guard let combinedIndex = Self.index(of: "combined_validation_context", in: common),
            let combined = common.entries[combinedIndex].value.mapping,
            let referenceIndex = Self.index(of: "validation_context_sds_secret_config", in: combined)
        else { return }
        let reference = try decoder.decode(SdsSecretConfig.self, from: combined.entries[referenceIndex].value)
        let body = try lookup(
            reference,
            kind: .validationContext,
            field: "combined_validation_context.validation_context_sds_secret_config"
        )
        var entries = combined.entries
        let merged: ConfigNode
        if let defaultIndex = Self.index(of: "default_validation_context", in: combined) {
            let base = entries[defaultIndex].value
            merged = base.isNull ? body : base.merging(body)
            entries[defaultIndex].value = merged
            entries.remove(at: referenceIndex)
        } else {
            entries[referenceIndex] = ConfigNode.Mapping.Entry(
                key: Self.key("default_validation_context", at: combined.entries[referenceIndex].key.mark),
                value: body
            )
        }
        var commonEntries = common.entries
        commonEntries[combinedIndex].value = .mapping(ConfigNode.Mapping(entries: entries, mark: combined.mark))
        common = ConfigNode.Mapping(entries: commonEntries, mark: common.mark)
    }

    /// The body of the secret `reference` names.
    /// - Throws: `ConfigError` at the reference's name when no secret of `kind` has it.
    private func lookup(_ reference: SdsSecretConfig, kind: SecretConfig.Kind, field: String) throws -> ConfigNode {
        let table = kind == .tlsCertificate ? tlsCertificates : validationContexts
        if let secret = table[reference.name] { return secret.body }
        let other = kind == .tlsCertificate ? validationContexts : tlsCertificates
        if other[reference.name] != nil {
            let otherKind = kind == .tlsCertificate ? SecretConfig.Kind.validationContext : .tlsCertificate
            throw ConfigError(
                "secret '\(reference.name)' named in '\(field)' is a \(otherKind.rawValue), but a \(kind.rawValue) is needed",
                at: reference.nameMark
            )
        }
        let declared = table.keys.sorted()
        throw ConfigError(
            "unknown static secret '\(reference.name)' in '\(field)'; "
                + (declared.isEmpty
                    ? "static_resources.secrets declares no \(kind.rawValue)"
                    : "declared \(kind.rawValue) secrets: \(declared.joined(separator: ", "))"),
            at: reference.nameMark
        )
    }

    // MARK: - Nodes

    /// The index of the entry whose key is `field` or its lowerCamelCase JSON name.
    private static func index(of field: String, in mapping: ConfigNode.Mapping) -> Int? {
        mapping.index(forKey: field) ?? mapping.index(forKey: jsonName(field))
    }

    private static func jsonName(_ field: String) -> String {
        let parts = field.split(separator: "_")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }
            .joined()
    }

    private static func key(_ text: String, at mark: Mark) -> ConfigNode {
        .scalar(ConfigNode.Scalar(value: text, mark: mark))
    }
}
