"""Event brokers: publish every conversation event to an outside consumer."""
