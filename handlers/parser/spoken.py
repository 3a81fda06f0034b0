"""Spoken forms in their written shape, before reading (reading contract C1, C3, C5): voice-to-text and
people who type as they speak.

Fillers go (嗯 那个 然后), spoken numbers become digits where they are values (四百五 -> 450, not the 九
of 九华 nor the 一 of 一期), the words between a label and its number go (在岗的有四十五人 -> 在岗45人,
测温测了 -> 测温), and spoken statements take their written form (消杀也做了 -> 已消杀). Every rule is one
line of the table below; the reader then reads the text as it reads any typed message."""

from __future__ import annotations

import functools
import re

import cn2an

_CN = "零〇一二两三四五六七八九十百千万"
_NUM = f"[{_CN}]+"
# a spoken number is a value when one of these follows it (a measure word, an approximation, the end)
MEASURES = ("人次", "个人", "个", "人", "户", "家", "名", "例", "处", "份", "桶", "把", "支", "台", "瓶", "箱", "盒",
            "只", "片", "项", "起", "条", "多", "余", "来", "左右", "上下")
# ... and never when a name goes on (一期, 第二网格, 三号楼)
NAME_PARTS = ("期", "号", "栋", "楼", "单元", "网格", "社区", "区", "组", "村", "标段", "街", "路", "巷", "院", "厂",
              "幢", "层", "座", "队", "班", "中", "小", "分", "点", "时", "月", "年", "周", "天", "里", "环")
FILLERS = ("那个", "这个", "然后", "就是说", "就是", "的话", "嗯", "啊", "呃", "哦", "喂", "诶", "额")
TAIL_FILLERS = "吧呢啦哈嘛呀"  # only at the end of a phrase: 哈 may be in a name
LEAD_INS = ("汇报一下", "报一下", "说一下", "报告一下", "报个数", "报下")
GLUE = ("的有", "一共是", "一共", "总共", "共计", "只有", "的", "有", "是", "共", "就", "仅", "了", "也", "为")

# (trigger, pattern, replacement), in order: spoken statements in their written form (C1.5–1.7, C10.3);
# a rule is tried only when one of its trigger characters is in the text
REWRITES: tuple[tuple[str, str, str], ...] = (
    ("没", r"(?:的|也)?一个(?:都|也)?没有", "0"),
    ("经", r"已经", "已"),
    ("都", r"都(?=正常|无|没|已|是|为|不)", "均"),
    ("消", r"(消杀|消毒)(?:工作)?(?:也|已|均|都|今天)*(?:做了|搞了|弄了|完成了|消过了|做完了|搞完了|弄完了|做好了|搞好了|完成)", r"已\1"),
    ("消", r"已(消杀|消毒)了", r"已\1"),
    ("消", r"(消杀|消毒)(?:今天|今日)?(?:还没|没|未)(?:有)?(?:做|搞|消|弄|进行)", r"未\1"),
    ("没未", r"(?:还没有|还没|没有|还未|没)(消杀|消毒|复工)", r"未\1"),
    ("工", r"已(复工|开工)了", r"已\1"),
    ("没", r"(?:没有|没)发热(?:的|人员)?", "无发热"),
    ("没", r"发热(?:的)?(?:也)?没有", "无发热"),
    ("问", r"问题(?:也)?(?:没有|没发现)|没(?:有)?问题", "无问题"),
    ("了", r"(?<=[\u4e00-\u9fff])(?:测|做|搞|弄)了(?=\d)", ""),
    # a role word and a person's name are not part of a unit's name (C10.4)
    ("员长人", r"[(（]?[ \t]*(?:网格员|网格长|楼栋长|报送人|填报人)[ \t]*[:：]?[ \t]*(?![今本各])[\u4e00-\u9fff]{2,3}"
     r"(?:[(（][^)）\n]*[)）])?[ \t]*[)）]?(?=[\s,，。;；:：)）]|$)", " "),
    # the same in prose (C8.2, C8.3, C9.6, C9.7)
    ("对", r"已(?:经)?(?:按要求)?对[^，。；,;!！:\n]{0,30}?进行(?:了)?(?:全面)?(?:的)?(消杀|消毒)(?:工作)?", r"已\1"),
    ("完", r"已(?:按要求)?(?:全面)?完成[^，。；,;!！:\n]{0,30}?(消杀|消毒)(?:工作)?", r"已\1"),
    ("℃度C", r"未发现[^，。；,;!！:\n]{0,16}?(?:\d+(?:\.\d+)?)(?:℃|°C|度)[^，。；,;!！:\n]*", "体温均正常"),
    ("正", r"(?:全体人员|全部人员|所有人员)?(?:现场)?(?:体温检测|测温)[:：]?(?:\d+次)?[,，]?(?:全部|均|都)(?:正常|无异常)",
     "体温均正常"),
    ("无", r"(?:现场)?(?:体温检测|测温)[:：]?(?:\d+次)?[,，]?(?:无发热|无异常)", "无发热"),
    ("正", r"(?:全体人员|全部人员|所有人员)体温(?:均|全部)?正常", "体温均正常"),
    ("于", r"(?:已)?于\d{1,2}月\d{1,2}[日号]?(?:正式|全面)?(复工|开工)", r"，已\1"),
    ("划拟计", r"[，,]?(?:计划|拟|预计)(?:于)?\d{1,2}月\d{1,2}[日号]?(?:前)?(?:正式|全面)?(?:复工|开工)", ""),
)


_FILLER_CHARS = frozenset("那这然就嗯啊呃哦喂诶额" + "话" + TAIL_FILLERS)  # one character of each filler
_CN_CHARS = frozenset(_CN)
_GLUE_CHARS = frozenset("".join(GLUE))


def _alt(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.lru_cache(maxsize=8)
def _compiled(starts: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str],
                                     tuple[tuple[frozenset[str], re.Pattern[str], str], ...]]:
    firsts = "".join(sorted({w[0] for w in starts.replace("\\", "").split("|") if w})) if starts else ""
    after = f"(?:{_alt(MEASURES)})|[\\s,，;；、。.!！?？/]|$" + (f"|(?=[{re.escape(firsts)}])(?:{starts})" if firsts else "")
    number = re.compile(f"(?<!第)(?<![{_CN}])({_NUM})(?![{_CN}])(?!{_alt(NAME_PARTS)})(?={after})")
    fillers = re.compile(f"{_alt(FILLERS)}|[{TAIL_FILLERS}](?=[\\s,，;；、。.!！?？]|$)")
    lead = re.compile(_alt(LEAD_INS))
    glue = re.compile(f"(?<=[\\u4e00-\\u9fff])(?:(?:{_alt(GLUE)})+(?=\\d)|(?:的|也|是)+(?=零|没有|无))")
    rewrites = tuple((frozenset(t), re.compile(p), r) for t, p, r in REWRITES)
    return number, fillers, lead, glue, rewrites


def _digits(m: re.Match[str]) -> str:
    try:
        value = cn2an.cn2an(m.group(1), "smart")
    except (ValueError, KeyError, IndexError):
        return m.group(0)
    return str(int(value)) if float(value).is_integer() else m.group(0)


def written(text: str, starts: str = "") -> str:
    """The text with spoken forms written. `starts`: an alternation of label starts (a number before
    a label is a value: 体温异常零消杀也做了)."""
    number, fillers, lead, glue, rewrites = _compiled(starts)
    chars = set(text)
    if chars & _FILLER_CHARS:
        text = fillers.sub(" ", text)
    if "一" in chars or "报下" in text or "个数" in text:
        text = lead.sub(" ", text)
    for trigger, rx, rep in rewrites[:3]:
        if trigger & chars:
            text = rx.sub(rep, text)
    if chars & _CN_CHARS:
        text = number.sub(_digits, text)
    chars = set(text)
    for trigger, rx, rep in rewrites[3:]:
        if trigger & chars:
            text = rx.sub(rep, text)
    return glue.sub("", text) if chars & _GLUE_CHARS else text
