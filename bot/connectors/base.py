"""What the runtime, the outbox, the supervisor, /healthz and the CLI know of a transport.

One small protocol; bot/connectors/wechaty.py (a puppet service, or the in-process puppet) and
bot/connectors/wecom.py implement it. Nothing outside bot/connectors/ reads a connector's insides."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from handlers.chat import Action, Incoming

OnIncoming = Callable[[Incoming], Awaitable[None]]


class NotConnected(ConnectionError):
    """No working connection to send over: the message waits for one; no attempt is counted."""


class SendRefused(Exception):
    """The other side refused this message itself (it would refuse it again): counts as an attempt."""


class BadCredentials(Exception):
    """The service rejected our token or secret: retrying will not help; the operator must act."""


class Displaced(Exception):
    """Another connection for the same bot took over (WeCom): reconnecting would only take it back
    and be replaced again; this process stops and the operator decides."""


@dataclass
class Watch:
    """How the supervisor judges a connection (config `connection:`)."""

    silence: float = 180.0  # no event (heartbeat, message) for this long -> reconnect
    login_timeout: float = 60.0
    first_backoff: float = 1.0
    max_backoff: float = 300.0
    poll: float = 1.0


# a WeChat login by QR code: what the person holding the bot's phone must do now
LOGIN_STATES = {"waiting": "等待扫码", "scanned": "已扫码，请在手机上确认", "confirmed": "已确认，正在登录",
                "expired": "二维码已过期，正在换新的"}


class Connector(Protocol):
    self_id: str
    logged_in: asyncio.Event
    last_event: float  # time.monotonic() of the last sign of life
    login_state: str  # a key of LOGIN_STATES while a QR login is under way, else ''
    qr: str  # the QR code's text while login_state is 'waiting' or 'scanned' 

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def connected(self, watch: Watch) -> None:
        """After start(): wait for login; BadCredentials, or the cause of failure, is raised."""

    async def lost(self, watch: Watch) -> str:
        """Wait while the connection lives; return why it is considered lost."""

    async def send(self, action: Action) -> None:
        """Raises NotConnected (waits, no attempt) or SendRefused (an attempt)."""

    async def rooms(self) -> list[tuple[str, str]]:
        """(room id, name) of every room the account is in."""
