"""Floor 3: runtime wiring — CLI, config, router, scheduler, outbox, connectors."""
