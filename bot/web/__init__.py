"""The officials' desk on aiohttp: dashboard pages, JSON API, health endpoint."""
