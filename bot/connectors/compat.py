"""One environment for both transports: wechaty 0.10.7 imports `pyee.AsyncIOEventEmitter`, which
pyee >= 12 keeps only in `pyee.asyncio`, and the WeCom SDK needs pyee >= 11. The old name is given
back before any wechaty module is imported (measured through the real-gateway tests)."""

from __future__ import annotations


def pyee_for_wechaty() -> None:
    import pyee

    if not hasattr(pyee, "AsyncIOEventEmitter"):
        from pyee.asyncio import AsyncIOEventEmitter

        pyee.AsyncIOEventEmitter = AsyncIOEventEmitter  # type: ignore[attr-defined]
