"""Generated gRPC stubs of the Parley engine API (see engine.proto)."""
