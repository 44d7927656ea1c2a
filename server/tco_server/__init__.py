"""tco_server: the gRPC adapter around the tco engine (proto <-> domain, errors, health, limits)."""
