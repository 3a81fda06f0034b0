"""Connectors: the only code that knows a chat platform."""
