// Module RelayServer: placeholder until its first real file lands.
