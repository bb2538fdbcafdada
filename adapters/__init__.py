"""Channel adapters: one package per channel, each implementing a port of the hub."""
