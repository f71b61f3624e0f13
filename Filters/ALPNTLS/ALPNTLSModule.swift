// Module ALPNTLS: placeholder until its first real file lands.
