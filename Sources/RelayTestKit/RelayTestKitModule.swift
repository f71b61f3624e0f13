// Module RelayTestKit: placeholder until its first real file lands.
