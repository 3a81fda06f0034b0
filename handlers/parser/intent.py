"""Whether a message is meant as a check-in at all (reading contract C11 and D1).

A group's day is mostly other traffic: notices, news, progress figures, questions, acknowledgements,
supplies and meeting notices, templates. Each sentence is screened for the markers of those kinds
(data: `NOT_REPORT` below). A marked sentence holds no report, and the reader turns strict: what is
left once the marked sentences are taken away must be a complete report (a unit, or a reply context,
and two values) to be answered (D1). So 收到，翠园小区 测温320 体温异常0 is a report and 表扬一下翠园小区，
测温320人…请各小区学习 is not."""

from __future__ import annotations

import re
from dataclasses import dataclass

# (kind, pattern): what marks a sentence as not a report. The sentence is dropped and the message is
# read strictly. An acknowledgement at the start (ACK_STARTS) is cut off, the rest of its sentence kept.
NOT_REPORT: tuple[tuple[str, str], ...] = (
    ("notice", r"^@所有人|请各(?!位)|^各\S{0,8}(?:注意|务必|要求|须)|^接\S{0,12}通知|通知[:：]|一律|不得|务必|^关于\S{0,30}(?:通知|通报)"),
    ("notice", r"^提醒|^温馨提示|^重要提醒|^紧急通知|^表扬"),
    ("news", r"转发|^转[:：]|\S{0,10}发布[:：]|通报|全(?:市|省|国)\S{0,6}(?:新增|累计|确诊|治愈)|^\[链接\]"),
    ("progress", r"全(?:区|市|省|国|县|街道|社区|镇|乡)(?!面)|汇总|本周|上周|共\d+个|报齐|已报送?\d+个|还有\d+个|未报|没报|截至"),
    ("supplies", r"下发|发放|领取|分配|召开|参加|会议|补贴"),
    ("template", r"格式|模板|填报说明|^例[:：\s]|^例如|例如[:：]|照抄|X{2,}|(?<![A-Za-z])X(?=[人个户项日月]|$)"),
    ("question", r"[?？]\s*$|吗|是不是|要不要|算不算|够不够|怎么|能不能|可不可以|行不行"),
    ("promise", r"(?<!\d)\d+点(?:前|之前|以前)?(?:报|发|交)|晚点|稍后|还在(?:统计|走访|排查|汇总|核对)|马上(?:报|发)|等(?:一)?下(?:报|发)"
                r"|明天.{0,4}(?:报|发|补)|没(?:走访|排查|统计)完|还没(?:统计|走访|排查)"),
    ("chat", r"^(?:谢谢|感谢|辛苦了|辛苦)"),
)
FIRST_ONLY = frozenset({"chat"})  # thanks open a chat message; at the end they close a report
ACK_STARTS = ("收到", "好的", "好", "嗯嗯", "明白", "了解", "谢谢", "感谢", "ok", "OK", "👌")
CLAUSE_KINDS = frozenset({"supplies"})  # marks that silence their clause, not the whole sentence
_CLAUSE = re.compile(r"[^,，]*(?:[,，]+|$)")
_SENTENCE = re.compile(r"[^\n。！!？?；;]*(?:[。！!？?；;]+|\n|$)")
_PATTERNS = tuple((kind, re.compile(p)) for kind, p in NOT_REPORT)
_ACK = re.compile(r"^\s*(?:" + "|".join(re.escape(w) for w in ACK_STARTS) + r")(?=[\s!！,，.。~～👌👍🙏]|$)[\s!！,，.。~～👌👍🙏]*")


@dataclass(frozen=True, slots=True)
class Screened:
    text: str  # what to read ('' when nothing is left)
    strict: bool  # markers were found: only a complete report counts
    kinds: tuple[str, ...] = ()


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s]


def marks(sentence: str) -> list[str]:
    body = sentence.strip()
    return [kind for kind, rx in _PATTERNS if rx.search(body)]


def screen(text: str) -> Screened:
    """The sentences to read, and whether the reading must be a complete report."""
    kept: list[str] = []
    kinds: list[str] = []
    for i, sentence in enumerate(_sentences(text)):
        if i == 0 or not "".join(kept).strip():
            acked = _ACK.match(sentence)
            if acked and acked.end() > 0 and sentence.strip():
                kinds.append("ack")
                sentence = sentence[acked.end():]
        found = [k for k in marks(sentence) if i == 0 or k not in FIRST_ONLY]
        if found and set(found) <= CLAUSE_KINDS:  # 小区内共发放口罩600个: only that clause is about supplies
            clauses = [c for c in _CLAUSE.findall(sentence) if c]
            kept += [c for c in clauses if not marks(c)]
            kinds += found
            continue
        if found:
            kinds += found
            continue
        kept.append(sentence)
    return Screened("".join(kept), bool(kinds), tuple(dict.fromkeys(kinds)))
