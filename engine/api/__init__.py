"""The work behind the HTTP API endpoints that is more than one agent call.

Event validation, story export, training and evaluation requests, model
sources. The servicer calls these; none of them knows about gRPC or HTTP.
"""
