// Module TCPProxy: placeholder until its first real file lands.
