// Module MetadataExchange: placeholder until its first real file lands.
