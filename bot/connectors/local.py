"""An in-process Wechaty puppet: messages enter through the real wechaty.Wechaty event flow,
and what the bot says is recorded. Used by the demo and the end-to-end tests.

Built to the method list measured in ../shared/wechaty-notes.md.
"""

from __future__ import annotations

import base64
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.connectors.compat import pyee_for_wechaty

pyee_for_wechaty()  # before wechaty_puppet is imported (it imports pyee.AsyncIOEventEmitter)

from pyee.asyncio import AsyncIOEventEmitter  # noqa: E402
from wechaty_puppet import (  # noqa: E402
    ContactPayload,
    ContactType,
    EventLoginPayload,
    EventMessagePayload,
    FileBox,
    MessagePayload,
    MessageType,
    Puppet,
    RoomMemberPayload,
    RoomPayload,
)
from wechaty_puppet.schemas.types import ImageType  # noqa: E402

BOT_ID = "wxid_bot"
BOT_NAME = "防控小助手"


@dataclass
class Sent:
    """Something the bot sent, as the puppet received it."""

    conversation_id: str
    text: str | None = None
    mention_ids: list[str] = field(default_factory=list)
    file_name: str | None = None
    message_id: str = ""


class LocalPuppet(Puppet):  # type: ignore[misc]
    def __init__(self, bot_id: str = BOT_ID, bot_name: str = BOT_NAME) -> None:
        super().__init__(name="local")
        self.emitter = AsyncIOEventEmitter()
        self.bot_id = bot_id
        self.contacts: dict[str, str] = {bot_id: bot_name}
        self.rooms: dict[str, tuple[str, list[str]]] = {}
        self.messages: dict[str, MessagePayload] = {}
        self.files: dict[str, FileBox] = {}
        self.sent: list[Sent] = []
        self.fail_sends = 0  # the next N sends fail as a dropped connection would
        self.refuse_sends = 0  # the next N sends are refused for the message itself (a bad room id)
        # wechaty de-duplicates message ids process-wide: ids must be unique across puppets
        self._prefix = uuid.uuid4().hex[:8]
        self._ids = itertools.count(1)

    # --- the world ------------------------------------------------------------------------
    def add_contact(self, contact_id: str, name: str) -> None:
        self.contacts[contact_id] = name

    def add_room(self, room_id: str, topic: str, member_ids: list[str]) -> None:
        self.rooms[room_id] = (topic, [self.bot_id, *member_ids])

    def _store(self, payload: MessagePayload) -> str:
        self.messages[payload.id] = payload
        return payload.id

    async def login(self, user_id: str | None = None) -> None:  # type: ignore[override]
        self.emitter.emit("login", EventLoginPayload(contact_id=self.bot_id))

    async def post(self, room_id: str | None, from_id: str, text: str, mention_ids: list[str] | None = None,
                   message_id: str | None = None, timestamp_ms: int | None = None,
                   kind: MessageType = MessageType.MESSAGE_TYPE_TEXT) -> str:
        """A person posts: the message event goes through Wechaty to the bot."""
        mid = message_id or f"in-{self._prefix}-{next(self._ids)}"
        self._store(MessagePayload(
            id=mid, type=kind, text=text, from_id=from_id, room_id=room_id or "",
            to_id="" if room_id else self.bot_id, mention_ids=mention_ids or [],
            timestamp=timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        ))
        self.emitter.emit("message", EventMessagePayload(message_id=mid))
        return mid

    async def post_image(self, room_id: str, from_id: str, content: bytes, name: str = "photo.jpg",
                         timestamp_ms: int | None = None) -> str:
        mid = f"img-{self._prefix}-{next(self._ids)}"
        self.files[mid] = FileBox.from_base64(base64.b64encode(content), name=name)
        return await self.post(room_id, from_id, "", timestamp_ms=timestamp_ms, message_id=mid,
                               kind=MessageType.MESSAGE_TYPE_IMAGE)

    async def recall(self, room_id: str, from_id: str, recalled_id: str, timestamp_ms: int | None = None) -> str:
        return await self.post(room_id, from_id, recalled_id, timestamp_ms=timestamp_ms,
                               kind=MessageType.MESSAGE_TYPE_RECALLED)

    # --- Puppet interface ---------------------------------------------------------------------
    def on(self, event_name: str, caller: Any) -> None:
        self.emitter.on(event_name, caller)

    def listener_count(self, event_name: str) -> int:
        return int(self.emitter.listeners(event_name).__len__())

    def self_id(self) -> str:
        return self.bot_id

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def contact_payload(self, contact_id: str) -> ContactPayload:
        return ContactPayload(id=contact_id, name=self.contacts.get(contact_id, contact_id),
                              type=ContactType.CONTACT_TYPE_PERSONAL)

    async def room_list(self) -> list[str]:
        return list(self.rooms)

    async def room_search(self, query: Any = None) -> list[str]:
        return list(self.rooms)

    async def room_payload(self, room_id: str) -> RoomPayload:
        topic, members = self.rooms[room_id]
        return RoomPayload(id=room_id, topic=topic, member_ids=list(members), owner_id="", admin_ids=[])

    async def room_members(self, room_id: str) -> list[str]:
        return list(self.rooms[room_id][1])

    async def room_member_payload(self, room_id: str, contact_id: str) -> RoomMemberPayload:
        return RoomMemberPayload(id=contact_id, name=self.contacts.get(contact_id, contact_id), room_alias="")

    async def message_payload(self, message_id: str) -> MessagePayload:
        return self.messages[message_id]

    async def message_send_text(self, conversation_id: str, message: str,
                                mention_ids: list[str] | None = None) -> str:
        if self.fail_sends > 0:
            self.fail_sends -= 1
            raise ConnectionError("simulated connection failure")
        if self.refuse_sends > 0:
            self.refuse_sends -= 1
            raise ValueError(f"simulated refusal: no such conversation {conversation_id}")
        mid = f"out-{self._prefix}-{next(self._ids)}"
        self._store(MessagePayload(id=mid, type=MessageType.MESSAGE_TYPE_TEXT, text=message, from_id=self.bot_id,
                                   room_id=conversation_id if conversation_id in self.rooms else "",
                                   to_id=conversation_id, mention_ids=mention_ids or [],
                                   timestamp=int(time.time() * 1000)))
        self.sent.append(Sent(conversation_id, text=message, mention_ids=list(mention_ids or []), message_id=mid))
        return mid

    async def message_send_file(self, conversation_id: str, file: FileBox) -> str:
        mid = f"out-{self._prefix}-{next(self._ids)}"
        self._store(MessagePayload(id=mid, type=MessageType.MESSAGE_TYPE_ATTACHMENT, text="", from_id=self.bot_id,
                                   room_id=conversation_id if conversation_id in self.rooms else "",
                                   to_id=conversation_id, timestamp=int(time.time() * 1000)))
        self.sent.append(Sent(conversation_id, file_name=file.name, message_id=mid))
        return mid

    async def message_file(self, message_id: str) -> FileBox:
        return self.files[message_id]

    async def message_image(self, message_id: str, image_type: ImageType = ImageType.IMAGE_TYPE_HD) -> FileBox:
        return self.files[message_id]
