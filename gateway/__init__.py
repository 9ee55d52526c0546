"""Parley gateway: the HTTP face (auth, routing, channels, error JSON).

The gateway never imports ``engine``; it talks to it over gRPC (``protos``).
"""
