// RelayConfig's public API uses RelayValues' types (`MetadataValue` in node and
// `filter_metadata`); `import RelayConfig` brings them along.
@_exported import RelayValues
