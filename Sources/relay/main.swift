print("relay: not yet built")
