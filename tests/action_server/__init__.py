"""Custom actions for Parley's tests, served by a real rasa-sdk action server."""
