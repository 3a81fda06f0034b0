"""The desk's routes, one module per area, each with a `routes` table (assembled in bot/web/app.py)."""
