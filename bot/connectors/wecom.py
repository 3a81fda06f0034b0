"""The only module that imports the WeCom SDK (wecom-aibot-python-sdk, package `aibot`): WeCom's
智能机器人 over its official WebSocket long connection (developer.work.weixin.qq.com, document
101463). Frames become Incoming; our actions become replies and proactive sends.

What WeCom allows, and how this connector meets it (README, "Running in WeCom"):
- in a group the bot receives only messages that @-mention it (text, mixed); in a single chat also
  images, voice and files. The leading "@机器人" is taken off the text;
- a reply answers one received message (its req_id), as a finished stream with markdown content:
  receipts go that way, threaded to the report they answer;
- a proactive message (aibot_send_msg) is markdown or a file (uploaded in chunks first, media_id);
  the protocol has no @ for it, so the people a reminder is for are named in its text;
- a second connection for the same bot replaces the first (disconnected_event): the older process
  stops with a clear message instead of reconnecting in a loop;
- where a group has a group robot's webhook key (config `webhook_key_env`), what the bot says there
  on its own (reminders, notices, 交办) goes through the webhook as `text` with `mentioned_list`: a
  real @, which the 智能机器人 cannot do. A robot takes 20 messages a minute: the connector waits
  for its turn, and a 45009 answer is a connection fault (the outbox retries, nothing counted).
The SDK's own reconnecting is switched off: the supervisor reconnects with its back-off, as for
wechaty, and /healthz sees the same state."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from aibot import WSClient, WSClientOptions
from aibot import ws as aibot_ws

from bot.connectors.base import BadCredentials, Displaced, NotConnected, OnIncoming, SendRefused, Watch
from handlers.chat import Action, Incoming, Say, SendFile

log = logging.getLogger("wxbot.wecom")
OFFICIAL_URL = "wss://openws.work.weixin.qq.com"
LEADING_MENTION = re.compile(r"^\s*(?:@\S+\s*)+")
REPLY_WINDOW = 300.0  # seconds a received message may still be answered by a reply
WEBHOOK_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
WEBHOOK_LIMIT = (20, 60.0)  # messages per window (seconds) a group robot takes
RATE_LIMITED = 45009
CHUNK = 512 * 1024  # upload chunk before base64 (document 101463, 上传临时素材)


class _Log:
    """The SDK's logger protocol onto ours; the secret never reaches a log line."""

    def __init__(self, secret: str) -> None:
        self.secret = secret if len(secret) >= 6 else ""  # a very short one would blot out words

    def _say(self, level: int, message: str) -> None:
        log.log(level, "sdk: %s", message.replace(self.secret, "***") if self.secret else message)

    def debug(self, message: str, *args: Any) -> None:
        self._say(logging.DEBUG, message)

    def info(self, message: str, *args: Any) -> None:
        self._say(logging.DEBUG, message)

    def warn(self, message: str, *args: Any) -> None:
        self._say(logging.WARNING, message)

    def error(self, message: str, *args: Any) -> None:
        self._say(logging.WARNING, message)


def markdown_of(text: str) -> str:
    """Our plain text for WeCom markdown: headings (the first line, 【…】) bold, line breaks kept."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        bold = (i == 0 and len(lines) > 1) or line.startswith("【")
        out.append(f"**{line}**" if bold and line.strip() else line)
    return "\n".join(out)


class WeComConnector:
    def __init__(self, on_incoming: OnIncoming, *, bot_id: str, secret: str, data_dir: Path,
                 ws_url: str | None = None, ca_file: Path | None = None, tz: dt.tzinfo = dt.timezone.utc,
                 names: Callable[[str], str] = lambda user: user, rooms: tuple[tuple[str, str], ...] = (),
                 heartbeat_seconds: float = 30.0, webhooks: dict[str, str] | None = None,
                 webhook_url: str = WEBHOOK_URL, webhook_limit: tuple[int, float] = WEBHOOK_LIMIT) -> None:
        self.on_incoming = on_incoming
        self.bot_id, self.secret = bot_id, secret
        self._log = _Log(secret)  # the secret blotted out of whatever the SDK or its errors say
        self.ws_url = ws_url or OFFICIAL_URL
        self.ca_file, self.tz, self.names, self.data_dir = ca_file, tz, names, data_dir
        self.heartbeat_seconds = heartbeat_seconds
        self.self_id = bot_id
        self.logged_in = asyncio.Event()
        self.last_event = time.monotonic()
        self.login_state, self.qr = "", ""  # WeCom logs in with the bot id and secret: no QR code
        self.client: WSClient | None = None
        self._known_rooms = dict(rooms)
        self._frames: dict[str, tuple[dict[str, Any], float]] = {}  # message id -> its frame, when received
        self._ended: asyncio.Future[str] | None = None
        self._refused: str | None = None
        self.handler_errors = 0
        self.webhooks = dict(webhooks or {})  # chat id -> its group robot's key
        self.webhook_url, self.webhook_limit = webhook_url, webhook_limit
        self._hook_times: dict[str, list[float]] = {}
        self._http: aiohttp.ClientSession | None = None

    # --- connection ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self.ca_file is not None:  # a private deployment's (or the local test server's) CA
            aibot_ws._SSL_CONTEXT.load_verify_locations(cafile=str(self.ca_file))
        self._ended = asyncio.get_running_loop().create_future()
        options = WSClientOptions(bot_id=self.bot_id, secret=self.secret, ws_url=self.ws_url,
                                  max_reconnect_attempts=0, heartbeat_interval=int(self.heartbeat_seconds * 1000),
                                  logger=self._log)
        client = WSClient(options)
        client.on("authenticated", self._authenticated)
        client.on("disconnected", lambda reason: self._end(f"connection closed ({reason})"))
        client.on("error", self._error)
        client.on("message", self._message)
        client.on("event", self._event)
        manager = client._ws_manager  # every frame from WeCom (heartbeat acks too) is a sign of life
        handle_frame = manager._handle_frame

        def touched(frame: dict[str, Any]) -> None:
            self._touch()
            handle_frame(frame)

        manager._handle_frame = touched  # type: ignore[method-assign]
        self.client = client
        await client.connect()

    def _authenticated(self) -> None:
        self._touch()
        self.logged_in.set()

    def _error(self, exc: Exception) -> None:
        text = str(exc).replace(self._log.secret, "***") if self._log.secret else str(exc)
        if text.startswith("Authentication failed"):
            self._refused = text
        self._end(text)

    def _end(self, reason: str) -> None:
        self.logged_in.clear()
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(reason)

    def _touch(self, *_: Any) -> None:
        self.last_event = time.monotonic()

    async def connected(self, watch: Watch) -> None:
        """Authenticated, or BadCredentials for a refused bot id / secret, or the cause."""
        assert self._ended is not None
        login: asyncio.Future[Any] = asyncio.ensure_future(self.logged_in.wait())
        ended: asyncio.Future[Any] = self._ended
        done, _ = await asyncio.wait({login, ended}, timeout=watch.login_timeout, return_when=asyncio.FIRST_COMPLETED)
        if login in done:
            return
        login.cancel()
        if self._refused is not None:
            raise BadCredentials(f"WeCom refused the bot id or secret: {self._refused}")
        raise ConnectionError(self._ended.result() if self._ended.done() else "no answer to the subscription")

    async def lost(self, watch: Watch) -> str:
        """Why the connection ended: closed, heartbeats unanswered (the SDK closes it), or replaced."""
        assert self._ended is not None
        reason = await self._ended
        if reason.startswith("displaced"):
            raise Displaced("another connection for the same WeCom bot took over (disconnected_event); "
                            "stop the other process or give each process its own bot")
        return reason

    async def stop(self) -> None:
        self.logged_in.clear()
        if self.client is not None and self.client.is_connected:
            self.client.disconnect()
            await asyncio.sleep(0)
        self.client = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def rooms(self) -> list[tuple[str, str]]:
        """WeCom lists no chats over this channel: the configured rooms, and those heard from."""
        return list(self._known_rooms.items())

    # --- incoming -----------------------------------------------------------------------------
    def _event(self, frame: dict[str, Any]) -> None:
        self._touch()
        event = (frame.get("body") or {}).get("event") or {}
        if event.get("eventtype") == "disconnected_event":
            log.error("WeCom: a newer connection for this bot replaced this one")
            self._end("displaced")

    def _message(self, frame: dict[str, Any]) -> None:
        self._touch()
        asyncio.ensure_future(self._handle(frame))

    async def _handle(self, frame: dict[str, Any]) -> None:
        try:
            incoming = await self.to_incoming(frame)
            if incoming is not None:
                await self.on_incoming(incoming)
        except Exception:
            self.handler_errors += 1
            log.exception("failed to handle WeCom message %s", (frame.get("body") or {}).get("msgid", "?"))

    async def to_incoming(self, frame: dict[str, Any]) -> Incoming | None:
        body = frame.get("body") or {}
        user = (body.get("from") or {}).get("userid", "")
        group = body.get("chattype") == "group"
        chat = body.get("chatid") if group else None
        if chat:
            self._known_rooms.setdefault(chat, self._known_rooms.get(chat, ""))
        self._remember(body.get("msgid", ""), frame)
        kind, text, path = "text", "", None
        msgtype = body.get("msgtype")
        if msgtype == "text":
            text = (body.get("text") or {}).get("content", "")
        elif msgtype == "mixed":  # text and pictures; the text is what we read
            items = (body.get("mixed") or {}).get("msg_item") or []
            text = "\n".join((i.get("text") or {}).get("content", "") for i in items if i.get("msgtype") == "text")
        elif msgtype == "voice":
            text = (body.get("voice") or {}).get("content", "")  # WeCom gives the transcription
        elif msgtype == "image":
            kind, path = "image", await self._save_image(body)
        else:
            return None
        stamp = body.get("create_time")
        when = dt.datetime.fromtimestamp(stamp, dt.timezone.utc) if stamp else dt.datetime.now(dt.timezone.utc)
        return Incoming(message_id=body.get("msgid", ""), room_id=chat, room_topic=self._known_rooms.get(chat or "", ""),
                        sender_id=user, sender_name=self.names(user), text=LEADING_MENTION.sub("", text) if group else text,
                        time=when, mentions_bot=group, kind=kind, file_path=path)

    async def _save_image(self, body: dict[str, Any]) -> str | None:
        image = body.get("image") or {}
        if self.client is None or not image.get("url"):
            return None
        data, _ = await self.client.download_file(image["url"], image.get("aeskey"))
        folder = self.data_dir / "photos" / dt.datetime.now(self.tz).date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{re.sub(r'[^A-Za-z0-9_-]', '_', body.get('msgid', 'photo'))[:60]}.jpg"
        target.write_bytes(data)
        return str(target)

    # --- outgoing -----------------------------------------------------------------------------
    async def send(self, action: Action) -> None:
        """NotConnected when the connection is down (the message waits), SendRefused when WeCom
        refused this message (errcode in its ack)."""
        if self.client is None or not self.logged_in.is_set() or not self.client.is_connected:
            raise NotConnected("not connected to WeCom")
        try:
            if isinstance(action, SendFile):
                await self._send_file(action)
            else:
                await self._say(action)
        except (NotConnected, SendRefused):
            raise
        except RuntimeError as exc:
            if "errcode" in str(exc):
                raise SendRefused(str(exc)) from exc
            raise NotConnected(str(exc)) from exc
        except (TimeoutError, OSError) as exc:
            raise NotConnected(f"{type(exc).__name__}: {exc}") from exc

    def _chat(self, action: Action) -> str:
        chat = action.room_id or action.to_id
        if not chat:
            raise SendRefused("no chat to send to")
        return chat

    async def _say(self, action: Say) -> None:
        assert self.client is not None
        chat = self._chat(action)
        asked = self._answerable(action)
        if asked is not None:  # a receipt or answer: the reply to the message it answers, threaded there
            stream = {"id": f"wxbot_{int(time.time() * 1000)}", "finish": True, "content": markdown_of(action.text)}
            await self.client.reply(asked, {"msgtype": "stream", "stream": stream})
            return
        if chat in self.webhooks:
            await self._webhook(self.webhooks[chat], action)
            return
        names = "".join(f"@{self.names(m)} " for m in action.mention_ids)  # no @ in proactive messages
        await self.client.send_message(chat, {"msgtype": "markdown",
                                              "markdown": {"content": names + markdown_of(action.text)}})

    async def _webhook(self, key: str, action: Say) -> None:
        """A text with a real @ (mentioned_list: the members' WeCom userids) through the group robot."""
        await self._robot_turn(key)
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        body = {"msgtype": "text", "text": {"content": action.text, "mentioned_list": list(action.mention_ids)}}
        try:
            async with self._http.post(self.webhook_url, params={"key": key}, json=body) as resp:
                answer = await resp.json(content_type=None)
        except (aiohttp.ClientError, ValueError) as exc:
            raise NotConnected(f"webhook: {type(exc).__name__}: {exc}") from exc
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code == RATE_LIMITED:
            raise NotConnected("webhook: the robot's 20 messages a minute are used (45009)")
        if code != 0:
            raise SendRefused(f"webhook errcode {code}: {answer.get('errmsg', '') if isinstance(answer, dict) else answer}")

    async def _robot_turn(self, key: str) -> None:
        """Wait until the robot may take one more message (20 a minute); too long a wait is a fault."""
        limit, window = self.webhook_limit
        now = time.monotonic()
        times = [t for t in self._hook_times.get(key, []) if now - t < window]
        if len(times) >= limit:
            wait = window - (now - times[0]) + 0.05
            if wait > 10:
                self._hook_times[key] = times
                raise NotConnected(f"webhook: the robot's {limit} messages a window are used; {wait:.0f} s to wait")
            await asyncio.sleep(wait)
            now = time.monotonic()
            times = [t for t in times if now - t < window]
        self._hook_times[key] = [*times, now]

    def _remember(self, msgid: str, frame: dict[str, Any]) -> None:
        now = time.monotonic()
        self._frames[msgid] = (frame, now)
        if len(self._frames) > 2000:  # bounded: older frames can no longer be replied to anyway
            self._frames = {k: v for k, v in self._frames.items() if now - v[1] <= REPLY_WINDOW}

    def _answerable(self, action: Say) -> dict[str, Any] | None:
        """The received message a Say answers, while WeCom still accepts a reply to it."""
        found = self._frames.get(action.reply_to or "")
        if found is None or time.monotonic() - found[1] > REPLY_WINDOW:
            return None
        return found[0]

    async def _send_file(self, action: SendFile) -> None:
        assert self.client is not None
        media_id = await self.upload(Path(action.path))
        await self.client.send_message(self._chat(action), {"msgtype": "file", "file": {"media_id": media_id}})

    async def upload(self, path: Path) -> str:
        """init -> chunk x N -> finish over the connection (document 101463, 上传临时素材)."""
        assert self.client is not None
        data = path.read_bytes()
        chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
        if len(chunks) > 100:
            raise SendRefused(f"{path.name} is too large for WeCom (over 50 MB)")
        manager = self.client._ws_manager
        init = await manager.send_reply(f"aibot_upload_media_init_{int(time.time() * 1000)}",
                                        {"type": "file", "filename": path.name, "total_size": len(data),
                                         "total_chunks": len(chunks), "md5": hashlib.md5(data).hexdigest()},
                                        "aibot_upload_media_init")
        upload_id = (init.get("body") or {}).get("upload_id")
        if not upload_id:
            raise SendRefused(f"upload refused: {init.get('errmsg', init)}")
        for index, chunk in enumerate(chunks):
            await manager.send_reply(f"aibot_upload_media_chunk_{upload_id}_{index}",
                                     {"upload_id": upload_id, "chunk_index": index,
                                      "base64_data": base64.b64encode(chunk).decode()}, "aibot_upload_media_chunk")
        done = await manager.send_reply(f"aibot_upload_media_finish_{upload_id}", {"upload_id": upload_id},
                                        "aibot_upload_media_finish")
        media_id = (done.get("body") or {}).get("media_id")
        if not media_id:
            raise SendRefused(f"upload not finished: {done.get('errmsg', done)}")
        return str(media_id)
