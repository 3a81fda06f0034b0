"""The chat vocabulary: what arrives (Incoming) and what a handler asks to send (actions).

Platform-neutral: no connector type appears here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# "@Name" as WeChat writes it, followed by U+2005 or a space
MENTION = re.compile(r"@(?P<name>[^\s\u2005@]+)[\u2005\s]?")


def strip_mentions(text: str) -> str:
    return MENTION.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Incoming:
    message_id: str
    room_id: str | None  # None in a private chat
    room_topic: str
    sender_id: str
    sender_name: str
    text: str
    time: dt.datetime  # aware
    mention_ids: tuple[str, ...] = ()
    mentions_bot: bool = False
    kind: str = "text"  # text | image | recall
    recalled_id: str | None = None  # for kind == "recall": the message taken back
    file_path: str | None = None  # for kind == "image": where the connector saved it
    # a 接龙 that WeChat sent as a GroupNote: the author of each entry, in order
    entry_authors: tuple[str, ...] = ()

    @property
    def private(self) -> bool:
        return self.room_id is None


@dataclass(frozen=True, slots=True)
class Say:
    """Text to a room (with @-mentions) or, when room_id is None, to one contact privately."""

    text: str
    room_id: str | None = None
    to_id: str | None = None
    mention_ids: tuple[str, ...] = field(default_factory=tuple)
    reply_to: str | None = None  # the message this answers (WeCom threads the answer to it)


@dataclass(frozen=True, slots=True)
class SendFile:
    path: str
    room_id: str | None = None
    to_id: str | None = None


Action = Say | SendFile


def reply(msg: Incoming, text: str, *, mention: bool = True) -> Say:
    """Answer where the message came from; in a room, @ the sender."""
    if msg.room_id is None:
        return Say(text, to_id=msg.sender_id, reply_to=msg.message_id)
    return Say(text, room_id=msg.room_id, mention_ids=(msg.sender_id,) if mention else (), reply_to=msg.message_id)
