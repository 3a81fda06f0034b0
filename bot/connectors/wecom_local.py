"""A local stand-in for WeCom's long-connection server (document 101463), speaking its frames on
loopback over TLS with a throw-away certificate: the demo (`wxbot demo --transport wecom`) and the
tests connect the real SDK to it. It imports no SDK; frames are written as the document shows them.

Sections of document 101463 followed: 建立长连接 / 订阅请求 (aibot_subscribe and its answer),
保持心跳 (ping and its ack), 接收消息回调 / 消息推送格式 (aibot_msg_callback), 接收事件回调 /
连接断开事件 (aibot_event_callback, disconnected_event), 回复消息 (aibot_respond_msg, stream),
主动推送消息 (aibot_send_msg: markdown, file), 上传临时素材 (aibot_upload_media_init / _chunk / _finish).

Beside it, the group robot's webhook (群机器人配置说明): POST /cgi-bin/webhook/send?key=KEY with a `text`
message and its mentioned_list / mentioned_mobile_list; errcode 0, 93000 for an unknown key, 45009
when a robot sends more than 20 messages a minute. Plain HTTP on loopback (asyncio streams)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import json
import ssl
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BOT_NAME = "防控小助手"
_seq = itertools.count(1)


def _req_id(prefix: str) -> str:
    return f"{prefix}_{int(time.time() * 1000)}_{next(_seq):08x}"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (cryptography, as the SDK needs it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    # a name of its own: OpenSSL finds an issuer by name, and a process may trust several of these
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"wxbot local WeCom {uuid.uuid4().hex[:12]}")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "wecom-local.pem", folder / "wecom-local.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Sent:
    """What the bot sent, as WeCom received it."""

    kind: str  # reply | markdown | file | webhook
    chat_id: str | None
    text: str = ""
    to_user: str | None = None  # for a reply: the author of the message answered
    file_name: str | None = None
    file_bytes: bytes = b""
    mentioned: tuple[str, ...] = ()  # a webhook text's mentioned_list
    mentioned_mobiles: tuple[str, ...] = ()


@dataclass
class LocalWeCom:
    bot_id: str
    secret: str
    host: str = "127.0.0.1"
    port: int = 0
    sent: list[Sent] = field(default_factory=list)
    subscriptions: int = 0
    refused: int = 0
    pings: int = 0
    _server: Server | None = None
    _conns: list[ServerConnection] = field(default_factory=list)
    _callbacks: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # req_id -> (chat, user)
    _uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    _files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    _dir: tempfile.TemporaryDirectory[str] | None = None
    ca_file: Path | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    webhooks: dict[str, str] = field(default_factory=dict)  # robot key -> the chat it posts to
    webhook_limit: tuple[int, float] = (20, 60.0)  # messages per window (seconds) per robot
    rate_limited: int = 0  # 45009 answers given
    _hook_server: asyncio.Server | None = None
    _hook_times: dict[str, list[float]] = field(default_factory=dict)

    async def start(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="wxbot-wecom-")
        cert, key = self_signed(Path(self._dir.name))
        self.ca_file = cert
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server = await serve(self._serve, self.host, self.port, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1] if not self.port else self.port
        self._hook_server = await asyncio.start_server(self._http, self.host, 0)

    @property
    def webhook_url(self) -> str:
        assert self._hook_server is not None
        return f"http://{self.host}:{self._hook_server.sockets[0].getsockname()[1]}/cgi-bin/webhook/send"

    @property
    def url(self) -> str:
        return f"wss://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._hook_server is not None:
            self._hook_server.close()
            await self._hook_server.wait_closed()
        if self._dir is not None:
            self._dir.cleanup()

    @property
    def online(self) -> bool:
        return bool(self._conns)

    # --- the bot's side of the protocol ------------------------------------------------------
    async def _serve(self, conn: ServerConnection) -> None:
        try:
            async for raw in conn:
                await self._frame(conn, json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            if conn in self._conns:
                self._conns.remove(conn)
            self._bump()

    async def _ack(self, conn: ServerConnection, req_id: str, errcode: int = 0, errmsg: str = "ok",
                   body: dict[str, Any] | None = None) -> None:
        answer: dict[str, Any] = {"headers": {"req_id": req_id}, "errcode": errcode, "errmsg": errmsg}
        if body is not None:
            answer["body"] = body
        await conn.send(json.dumps(answer, ensure_ascii=False))

    async def _frame(self, conn: ServerConnection, frame: dict[str, Any]) -> None:
        cmd, req_id, body = frame.get("cmd"), frame.get("headers", {}).get("req_id", ""), frame.get("body") or {}
        if cmd == "aibot_subscribe":  # 订阅请求: bot_id + secret
            await self._subscribe(conn, req_id, body)
        elif cmd == "ping":  # 保持心跳
            self.pings += 1
            await self._ack(conn, req_id)
        elif cmd == "aibot_respond_msg":  # 回复消息: req_id of the callback answered
            chat, user = self._callbacks.get(req_id, (None, ""))
            stream = body.get("stream") or {}
            self.sent.append(Sent("reply", chat, stream.get("content", ""), to_user=user))
            await self._ack(conn, req_id)
        elif cmd == "aibot_send_msg":  # 主动推送消息
            await self._send_msg(conn, req_id, body)
        elif cmd and cmd.startswith("aibot_upload_media_"):
            await self._upload(conn, cmd, req_id, body)
        else:
            await self._ack(conn, req_id, 40058, f"unknown cmd {cmd}")
        self._bump()

    async def _subscribe(self, conn: ServerConnection, req_id: str, body: dict[str, Any]) -> None:
        if body.get("bot_id") != self.bot_id or body.get("secret") != self.secret:
            self.refused += 1
            await self._ack(conn, req_id, 40001, "invalid secret")  # the SDK reports it; we leave it open
            return
        self.subscriptions += 1
        for old in list(self._conns):  # 连接断开事件: a newer connection replaces the older
            self._conns.remove(old)
            await old.send(json.dumps({"cmd": "aibot_event_callback", "headers": {"req_id": _req_id("event")},
                                       "body": {"msgid": _req_id("msg"), "create_time": int(time.time()),
                                                "aibotid": self.bot_id, "msgtype": "event",
                                                "event": {"eventtype": "disconnected_event"}}}))
            await old.close()
        self._conns.append(conn)
        await self._ack(conn, req_id)

    async def _send_msg(self, conn: ServerConnection, req_id: str, body: dict[str, Any]) -> None:
        chat = body.get("chatid")
        if body.get("msgtype") == "markdown":
            self.sent.append(Sent("markdown", chat, (body.get("markdown") or {}).get("content", "")))
        elif body.get("msgtype") == "file":
            name, data = self._files.get((body.get("file") or {}).get("media_id", ""), ("?", b""))
            self.sent.append(Sent("file", chat, file_name=name, file_bytes=data))
        else:
            await self._ack(conn, req_id, 40008, "invalid message type")
            return
        await self._ack(conn, req_id)

    async def _upload(self, conn: ServerConnection, cmd: str, req_id: str, body: dict[str, Any]) -> None:
        if cmd == "aibot_upload_media_init":
            upload_id = _req_id("upload")
            self._uploads[upload_id] = {"name": body.get("filename", "file"), "chunks": {}}
            await self._ack(conn, req_id, body={"upload_id": upload_id})
        elif cmd == "aibot_upload_media_chunk":
            up = self._uploads[body["upload_id"]]
            up["chunks"][int(body["chunk_index"])] = base64.b64decode(body.get("base64_data", ""))
            await self._ack(conn, req_id)
        else:
            up = self._uploads.pop(body["upload_id"])
            media_id = _req_id("media")
            self._files[media_id] = (up["name"], b"".join(up["chunks"][i] for i in sorted(up["chunks"])))
            await self._ack(conn, req_id, body={"media_id": media_id})

    def _bump(self) -> None:
        self.changed.set()

    # --- the group robot's webhook -----------------------------------------------------------
    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One HTTP/1.1 request per connection: POST /cgi-bin/webhook/send?key=… with a JSON body."""
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target = head[0].split(" ")[:2]
            length = next((int(h.split(":", 1)[1]) for h in head[1:] if h.lower().startswith("content-length:")), 0)
            body = json.loads(await reader.readexactly(length) or b"{}") if length else {}
            answer = self._hook(method, target, body)
        except (ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            answer = {"errcode": 40035, "errmsg": f"invalid request: {exc}"}
        data = json.dumps(answer, ensure_ascii=False).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                     + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()
        writer.close()

    def _hook(self, method: str, target: str, body: dict[str, Any]) -> dict[str, Any]:
        from urllib.parse import parse_qs, urlsplit

        url = urlsplit(target)
        key = (parse_qs(url.query).get("key") or [""])[0]
        if method != "POST" or url.path != "/cgi-bin/webhook/send":
            return {"errcode": 40035, "errmsg": "invalid url"}
        if key not in self.webhooks:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        now, (limit, window) = time.monotonic(), self.webhook_limit
        times = [t for t in self._hook_times.get(key, []) if now - t < window]
        if len(times) >= limit:
            self.rate_limited += 1
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        self._hook_times[key] = [*times, now]
        if body.get("msgtype") != "text":
            return {"errcode": 40008, "errmsg": "invalid message type"}
        text = body.get("text") or {}
        self.sent.append(Sent("webhook", self.webhooks[key], text.get("content", ""),
                              mentioned=tuple(text.get("mentioned_list") or ()),
                              mentioned_mobiles=tuple(text.get("mentioned_mobile_list") or ())))
        self._bump()
        return {"errcode": 0, "errmsg": "ok"}

    # --- people's side: what the tests and the demo post ------------------------------------
    async def post(self, chat_id: str | None, user: str, text: str, msgid: str | None = None) -> None:
        """A message to the bot: in a group it @-mentions the bot (WeCom only pushes those)."""
        if not self._conns:
            raise ConnectionError("the bot is not connected")
        req_id = _req_id("aibot_msg_callback")
        self._callbacks[req_id] = (chat_id, user)
        body: dict[str, Any] = {"msgid": msgid or _req_id("msg"), "aibotid": self.bot_id,
                                "chattype": "group" if chat_id else "single", "from": {"userid": user},
                                "create_time": int(time.time()), "msgtype": "text",
                                "text": {"content": f"@{BOT_NAME} {text}" if chat_id else text}}
        if chat_id:
            body["chatid"] = chat_id
        await self._conns[-1].send(json.dumps({"cmd": "aibot_msg_callback", "headers": {"req_id": req_id},
                                               "body": body}, ensure_ascii=False))

    async def drop(self) -> None:
        """The connection breaks (a network fault): closed without a goodbye."""
        for conn in list(self._conns):
            conn.transport.abort()
        self._conns.clear()

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Sent]:
        """Until at least `count` things were sent in all."""
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(self.sent)} sent, waited for {count}")
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass
        return self.sent

    async def wait_online(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._conns:
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not connect")
            await asyncio.sleep(0.05)

