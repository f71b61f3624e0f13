// Module RelayConfig: placeholder until its first real file lands.
