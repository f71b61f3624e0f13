// Module TCPStats: placeholder until its first real file lands.
