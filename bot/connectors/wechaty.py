"""The only module that imports `wechaty`. Wechaty events -> Incoming; actions -> room.say / files.

Compatibility shims for wechaty 0.10.7 live in load_wechaty() and nowhere else (facts measured in
../shared/wechaty-notes.md; pins in pyproject.toml: urllib3<2 and the wechaty family; pyee>=11 with the name wechaty wants
given back by bot/connectors/compat.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import os
import socket
import tempfile
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.connectors.compat import pyee_for_wechaty
from bot.connectors.appmsg import group_note
from bot.connectors.base import BadCredentials, NotConnected, OnIncoming, SendRefused, Watch
from handlers.chat import Action, Incoming, Say, SendFile
from handlers.parser.jielong import is_jielong
from handlers.parser.words import DEFAULT_WORDS

log = logging.getLogger("wxbot.wechaty")
ID_MEMORY = 5_000  # message ids wechaty itself remembers (ours are in the database)
_wechaty: ModuleType | None = None
# failures of the connection, not of one message (grpclib raises these over a dead or dying stream).
# UNKNOWN too: a gateway whose puppet throws answers every send with it, and it is not a refusal of
# the message (a refusal says so: INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED …)
_CONNECTION_STATUSES = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNAUTHENTICATED", "ABORTED",
                                  "UNKNOWN", "INTERNAL", "RESOURCE_EXHAUSTED"})


def load_wechaty(cache_dir: Path) -> ModuleType:
    """Import wechaty with its shims, once, on first use (never at import of this module)."""
    global _wechaty
    if _wechaty is None:
        # wechaty creates ./.wechaty/job.db at import unless CACHE_DIR points elsewhere.
        cache_dir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("CACHE_DIR", str(cache_dir))
        pyee_for_wechaty()
        # Python >= 3.11 rejects `puppet_options: PuppetOptions = PuppetOptions()` in the
        # WechatyOptions dataclass as a mutable default; a hash makes it acceptable.
        import wechaty_puppet.schemas.puppet as puppet_schema

        puppet_schema.PuppetOptions.__hash__ = object.__hash__  # type: ignore[assignment,method-assign]
        import wechaty
        import wechaty_puppet_service.puppet as service
        from wechaty.utils.async_helper import SingleIdContainer

        # wechaty remembers every message id it emitted, process-wide, up to 100,000 before it starts
        # afresh: ~10 MB that only grows in a long run. The database remembers ids for us (exactly
        # once across restarts), so wechaty's set need only catch a puppet's immediate redelivery.
        made = SingleIdContainer.__init__

        def _smaller(self: Any) -> None:
            made(self)
            self.max_size = ID_MEMORY

        SingleIdContainer.__init__ = _smaller  # type: ignore[method-assign]
        SingleIdContainer._instance = None

        # The service maps TypeScript message types by list index: Post (16) and anything newer
        # raise IndexError and the message is lost. Unknown types become UNSPECIFIED instead (a
        # GroupNote, 10, already does): the connector then looks at their text.
        mapped = service._map_message_type

        def _map_any(payload: Any) -> Any:
            if isinstance(payload.type, int) and payload.type > 15:
                payload.type = 0
            return mapped(payload)

        service._map_message_type = _map_any  # type: ignore[assignment]
        _wechaty = wechaty
    return _wechaty


class WechatyLogFilter(logging.Filter):
    """wechaty logs the puppet-service token in clear on every (re)start and warns about a web
    blueprint we never use on every run: the token is blotted out, the warning dropped."""

    NOISE = ("there is not registed blueprint",)
    TOKENS = re.compile(r"(token[^<]*<)[^>]*(>)", re.IGNORECASE)

    REPEAT = 600.0  # seconds: a warning wechaty repeats on every reconnection attempt is said once a while

    def __init__(self) -> None:
        super().__init__("wechaty")
        self.secrets: set[str] = set()
        self.said: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(n in text for n in self.NOISE):
            return False
        if not record.name.startswith("wxbot") and record.levelno <= logging.WARNING:
            now = time.monotonic()
            if now - self.said.get(text, -self.REPEAT) < self.REPEAT:
                return False  # the gateway is still unreachable: our own log line says so each try
            if len(self.said) > 1000:
                self.said.clear()
            self.said[text] = now
        clean = self.TOKENS.sub(r"\1***\2", text)
        for secret in self.secrets:
            clean = clean.replace(secret, "***")
        if clean != text:
            record.msg, record.args = clean, None
        return True


_log_filter = WechatyLogFilter()


def quiet_wechaty_logs(level: int | None = logging.WARNING, *secrets: str | None) -> None:
    """wechaty and its puppet log every event at INFO through their own handlers; whatever the
    level, the filter goes on every one of their loggers and handlers."""
    _log_filter.secrets.update(s for s in secrets if s and len(s) >= 4)
    for handler in logging.root.handlers:  # our own records may quote an error that echoes the token
        if _log_filter not in handler.filters:
            handler.addFilter(_log_filter)
    for name in list(logging.root.manager.loggerDict):
        if not name.startswith("wxbot"):
            logger = logging.getLogger(name)
            if level is not None:
                logger.setLevel(level)
            if _log_filter not in logger.filters:
                logger.addFilter(_log_filter)
            for handler in logger.handlers:
                if _log_filter not in handler.filters:
                    handler.addFilter(_log_filter)


def shared_cache_dir() -> Path:
    """For short-lived bots (demo, tests, benches) whose data directory is temporary."""
    return Path(tempfile.gettempdir()) / f"wxbot-wechaty-{os.getuid()}"


def free_port() -> int:
    """wechaty's plugin manager probes 127.0.0.1:port on login; a busy port silently aborts login."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message_time(timestamp: int | float) -> dt.datetime:
    """Payload timestamps come in ms or s (msg.date() is naive local time, msg.age() is wrong)."""
    seconds = timestamp / 1000 if timestamp > 1e11 else float(timestamp)
    return dt.datetime.fromtimestamp(seconds or time.time(), dt.timezone.utc)


class WechatyConnector:
    def __init__(self, on_incoming: OnIncoming, *, data_dir: Path, puppet: Any = None,
                 token: str | None = None, endpoint: str | None = None, quiet: bool = True,
                 cache_dir: Path | None = None, tz: dt.tzinfo = dt.timezone.utc) -> None:
        self.on_incoming = on_incoming
        self.tz = tz  # photos are filed under the day they were sent, in the bureau's time zone
        # wechaty fixes its job.db path at import: give a directory that outlives this bot
        self.cache_dir = cache_dir or data_dir / ".wechaty"
        self.quiet = quiet
        self.data_dir = data_dir
        self.puppet, self.token, self.endpoint = puppet, token, endpoint
        self.bot: Any = None
        self.self_id = ""
        self.last_event = time.monotonic()
        self.logged_in = asyncio.Event()
        self.login_state, self.qr = "", ""  # a QR login under way (bot/connectors/base.py LOGIN_STATES)
        self.stream: asyncio.Task[None] | None = None
        self.handler_errors = 0

    async def start(self) -> None:
        wechaty = load_wechaty(self.cache_dir)
        quiet_wechaty_logs(logging.WARNING if self.quiet else None, self.token)
        # Room/Contact pools are process-wide: a new bot must not get objects bound to an old puppet.
        wechaty.Room._pool = {}
        wechaty.Contact._pool = {}
        options = wechaty.WechatyOptions(
            puppet=self.puppet or "wechaty-puppet-service", token=self.token, endpoint=self.endpoint,
            port=free_port(), host="127.0.0.1",
        )
        connector = self

        class Bot(wechaty.Wechaty):  # type: ignore[misc,name-defined]
            async def start(self) -> None:
                """wechaty's own start() prints connection and auth errors and sleeps 60 s; ours
                lets them end the task, so the supervisor sees the cause and decides."""
                await self.init_puppet()
                await self.init_puppet_event_bridge(self.puppet)
                connector._bridge(self.puppet)
                self.started = True
                await self.puppet.start()  # over gRPC: the event stream, until it ends

            async def on_message(self, msg: Any) -> None:
                await connector._on_message(msg)

            async def on_login(self, contact: Any) -> None:
                connector.self_id = contact.contact_id
                connector.login_state, connector.qr = "", ""
                connector.logged_in.set()
                log.info("logged in as %s (%s)", contact.name, contact.contact_id)
                if connector.streaming:  # a real gateway: tell the person who scanned
                    print(f"wxbot: 已登录微信：{contact.name}（{contact.contact_id}）", file=sys.stderr, flush=True)

            async def on_scan(self, qr_code: str, status: Any, data: str | None = None) -> None:
                connector._scanned(qr_code, getattr(status, "name", str(status)))

        self.bot = Bot(options)
        # again: the plugin manager's logger is made by Wechaty()
        quiet_wechaty_logs(logging.WARNING if self.quiet else None, self.token)
        self.bot.on("error", lambda payload: log.error("wechaty error event: %s", payload))
        # Over gRPC, start() runs the event stream and returns only when the stream ends.
        self.stream = asyncio.create_task(self.bot.start(), name="wechaty-event-stream")
        await asyncio.sleep(0)

    async def stop(self) -> None:
        if self.bot is not None:
            try:
                await asyncio.wait_for(self.bot.stop(), 10)
            except Exception as exc:  # noqa: BLE001 - stopping a dead connection may fail in many ways
                log.warning("stopping wechaty: %r", exc)
        if self.stream is not None and not self.stream.done():
            self.stream.cancel()

    def _scanned(self, qr_code: str, status: str) -> None:
        """The puppet wants the bot's WeChat to scan a QR code: shown in the terminal (and, through
        the heartbeat, on the desk's 运行状态 page) until the login is confirmed."""
        self._touch()
        state = {"Waiting": "waiting", "Scanned": "scanned", "Confirmed": "confirmed",
                 "Timeout": "expired", "Cancel": "expired"}.get(status, "")
        if state == "waiting" and qr_code and qr_code != self.qr:
            print(qr_text(qr_code), file=sys.stderr, flush=True)
            log.warning("not logged in: scan the QR code above with the bot's WeChat (it is also on the desk's "
                        "运行状态 page); waiting for the scan")
        if state == "scanned":
            log.warning("QR code scanned: confirm the login on the phone")
        self.login_state = state
        self.qr = qr_code if state in ("waiting", "scanned") else ""

    def _touch(self, *_: Any) -> None:
        self.last_event = time.monotonic()

    def _bridge(self, puppet: Any) -> None:
        """The service emits 'heartbeat', wechaty listens for 'heart-beat': listen ourselves."""
        for event in ("heartbeat", "heart-beat", "dong", "login", "ready"):
            puppet.on(event, self._touch)

    async def ding(self) -> None:
        """Ask the gateway for a 'dong': a sign of life when the groups are quiet."""
        if self.bot is not None and getattr(self.bot, "puppet", None) is not None:
            await self.bot.puppet.ding("wxbot")

    @property
    def streaming(self) -> bool:
        """A service puppet keeps start() running; the in-process puppet returns at once."""
        return self.puppet is None

    async def _on_message(self, msg: Any) -> None:
        """An exception here would become one log line without a traceback inside wechaty."""
        self._touch()
        try:
            incoming = await self.to_incoming(msg)
            if incoming is not None:
                await self.on_incoming(incoming)
        except Exception:
            self.handler_errors += 1
            log.exception("failed to handle message %s", getattr(msg, "message_id", "?"))

    async def to_incoming(self, msg: Any) -> Incoming | None:
        wechaty = load_wechaty(self.cache_dir)
        payload = msg.payload
        talker = msg.talker()
        if talker.contact_id == self.self_id or msg.is_self():
            return None  # our own messages come back as events
        room = msg.room()
        topic = await room.topic() if room is not None else ""
        types = wechaty.MessageType
        kind, recalled, path = "text", None, None
        if payload.type == types.MESSAGE_TYPE_RECALLED:
            kind, recalled = "recall", payload.text
        elif payload.type == types.MESSAGE_TYPE_IMAGE:
            kind, path = "image", await self._save_image(msg)
        elif payload.type != types.MESSAGE_TYPE_TEXT:
            return self._app_message(msg, payload, room, topic, talker)
        mention_ids = tuple(payload.mention_ids or ())
        return Incoming(
            message_id=msg.message_id, room_id=room.room_id if room is not None else None, room_topic=topic,
            sender_id=talker.contact_id, sender_name=talker.name, text=payload.text or "",
            time=message_time(payload.timestamp), mention_ids=mention_ids,
            mentions_bot=bool(self.self_id) and self.self_id in mention_ids,  # a typed @所有人 is only text
            kind=kind, recalled_id=recalled, file_path=path,
        )

    def _app_message(self, msg: Any, payload: Any, room: Any, topic: str, talker: Any) -> Incoming | None:
        """A WeChat 接龙 sent as a GroupNote reaches Python as UNSPECIFIED (the TypeScript type 10 has no
        place in the gRPC enum): read it as the chain's text, with each entry's author."""
        note = group_note(payload.text or "")
        if note is None:
            first = (payload.text or "").strip().split("\n", 1)[0]
            if not is_jielong(first, DEFAULT_WORDS):
                log.info("message %s of type %s not read (no text we know)", msg.message_id, payload.type)
                return None
            note = (payload.text or "", ())
        text, authors = note
        return Incoming(
            message_id=msg.message_id, room_id=room.room_id if room is not None else None, room_topic=topic,
            sender_id=talker.contact_id, sender_name=talker.name, text=text, time=message_time(payload.timestamp),
            entry_authors=authors)

    async def _save_image(self, msg: Any) -> str:
        box = await msg.to_file_box()
        sent = message_time(msg.payload.timestamp if msg.payload is not None else 0).astimezone(self.tz)
        folder = self.data_dir / "photos" / sent.date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{msg.message_id}-{Path(box.name or 'photo.jpg').name}"
        await box.to_file(str(target), overwrite=True)
        return str(target)

    async def send(self, action: Action) -> None:
        """NotConnected when the connection failed (the message waits), SendRefused when the gateway
        refused this message itself (an unknown room, a bad file: it would refuse it again)."""
        if self.bot is None or not self.logged_in.is_set():
            raise NotConnected("not logged in to WeChat")
        try:
            await self._send(action)
        except (NotConnected, SendRefused):
            raise
        except Exception as exc:  # noqa: BLE001 - classified below, never swallowed
            if _connection_fault(exc):
                raise NotConnected(f"{type(exc).__name__}: {exc}") from exc
            raise SendRefused(f"{type(exc).__name__}: {exc}") from exc

    async def _send(self, action: Action) -> None:
        """room.say prefixes "@Name" for each mention id itself (joined by U+2005)."""
        wechaty = load_wechaty(self.cache_dir)
        if action.room_id:
            target = self.bot.Room.load(action.room_id)
        else:
            target = self.bot.Contact.load(action.to_id)
        await target.ready()
        if isinstance(action, Say):
            if action.room_id:
                await target.say(action.text, mention_ids=list(action.mention_ids) or None)
            else:
                await target.say(action.text)
        elif isinstance(action, SendFile):
            await target.say(wechaty.FileBox.from_file(action.path))

    # --- supervision (bot/supervisor.py asks; measured failure modes in ../shared/wechaty-notes.md) ---
    async def connected(self, watch: Watch) -> None:
        """Wait for login; a rejected token is BadCredentials, a dead stream its cause."""
        login = asyncio.ensure_future(self.logged_in.wait())
        waiters: set[asyncio.Future[object]] = {login}  # type: ignore[arg-type]
        if self.streaming and self.stream is not None:
            waiters.add(self.stream)  # type: ignore[arg-type]
        while True:
            done, _ = await asyncio.wait(waiters, timeout=watch.login_timeout, return_when=asyncio.FIRST_COMPLETED)
            if login in done:
                return
            if self.login_state in ("waiting", "scanned", "confirmed") and not any(w.done() for w in waiters):
                continue  # a person has a QR code to scan: wait for them, however long it takes
            break
        login.cancel()
        if self.stream is not None and self.stream.done() and not self.stream.cancelled():
            exc = self.stream.exception()
            if _is_auth_error(exc):
                raise BadCredentials(getattr(exc, "message", None) or str(exc))
            raise ConnectionError(describe(exc))
        raise TimeoutError(f"no login within {watch.login_timeout:.0f} s")

    async def lost(self, watch: Watch) -> str:
        """Why the connection is considered lost: the stream ended, or the gateway stayed silent
        (a ding first: heartbeats may not be bridged)."""
        dinged = False
        while True:
            await asyncio.sleep(watch.poll)
            if self.streaming and self.stream is not None and self.stream.done():
                return describe(self.stream.exception() if not self.stream.cancelled() else None)
            quiet = time.monotonic() - self.last_event
            if quiet > watch.silence:
                return f"no event from the gateway for {quiet:.0f} s"
            if quiet > watch.silence / 2 and not dinged:
                dinged = True
                try:
                    await asyncio.wait_for(self.ding(), watch.poll * 5)
                except Exception as exc:  # noqa: BLE001 - a failed ding is itself a sign of trouble
                    return describe(exc)
            elif quiet <= watch.silence / 2:
                dinged = False

    async def rooms(self) -> list[tuple[str, str]]:
        rooms = await self.bot.Room.find_all()
        out = []
        for room in rooms:
            await room.ready()
            out.append((room.room_id, await room.topic()))
        return out


def _is_auth_error(exc: BaseException | None) -> bool:
    status = getattr(exc, "status", None)
    return status is not None and getattr(status, "name", "") == "UNAUTHENTICATED"


def _connection_fault(exc: BaseException) -> bool:
    status = getattr(getattr(exc, "status", None), "name", None)
    if status is not None:
        return status in _CONNECTION_STATUSES
    names = {t.__name__ for t in type(exc).__mro__}
    return isinstance(exc, (OSError, ConnectionError, TimeoutError, asyncio.TimeoutError)) or bool(
        names & {"StreamTerminatedError", "ProtocolError", "StreamClosedError", "ConnectionTerminated"})


def qr_text(code: str) -> str:
    """A QR code as text for a terminal (two characters a module, readable by a phone's camera)."""
    import io

    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(code)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return "请用机器人的微信扫描下面的二维码登录：\n" + out.getvalue()


def describe(exc: BaseException | None) -> str:
    if exc is None:
        return "the event stream ended"
    if isinstance(exc, ConnectionRefusedError | OSError):
        return f"the gateway refused the connection ({exc})"
    message = getattr(exc, "message", None) or str(exc)
    return f"the event stream failed: {type(exc).__name__}: {message}"
