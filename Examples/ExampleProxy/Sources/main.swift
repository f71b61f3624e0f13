print("example-proxy: not yet built")
