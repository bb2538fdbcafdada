"""Default settings of the hub (hub.toml); no secrets live here."""
