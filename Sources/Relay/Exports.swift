// Relay's public API uses RelayValues' types (`MetadataValue` in cluster, host and node
// metadata); a filter author's `import Relay` brings them along.
@_exported import RelayValues
