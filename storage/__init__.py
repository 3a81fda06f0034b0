"""Floor 1: tables, engines and queries. Knows nothing of chat."""
