"""The one detector of personal numbers: every format people write, and no whole number survives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.privacy import has_personal_number, mask

CN = dict(zip("0123456789", "零一二三四五六七八九"))
FULL = {str(i): chr(0xFF10 + i) for i in range(10)}
SEPARATORS = ["", " ", "-", ".", "－", "\u3000"]
TEXT = st.text(alphabet="翠园小区测温体温异常消杀是否已交办联系人王经理电话：，。 ", max_size=12)


def _digits(value: str) -> str:
    """What a number reads as, in any of the ways it may be written."""
    back = {cn: d for d, cn in CN.items()} | {"〇": "0", "幺": "1"} | {full: d for d, full in FULL.items()}
    return "".join(back.get(c, c) for c in value if back.get(c, c).isdigit() or c in "Xx")


@st.composite
def mobile(draw: st.DrawFn) -> str:
    number = "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                         min_size=9, max_size=9)))
    style = draw(st.sampled_from(["ascii", "full", "cn"]))
    sep = draw(st.sampled_from(SEPARATORS))
    groups = [number[:3], number[3:7], number[7:]] if draw(st.booleans()) else list(number)
    text = sep.join(groups)
    text = "".join(FULL.get(c, c) if style == "full" else CN.get(c, c) if style == "cn" else c for c in text)
    prefix = draw(st.sampled_from(["", "+86 ", "+86-", "86", "0086", "(+86)"]))
    return prefix + text


@st.composite
def id_number(draw: st.DrawFn) -> str:
    digits = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=17, max_size=17)))
    last = draw(st.sampled_from("0123456789Xx"))
    number = digits + last
    if draw(st.booleans()):
        number = " ".join([number[:6], number[6:14], number[14:]])
    if draw(st.booleans()):
        number = "".join(FULL.get(c, c) for c in number)
    return number


@st.composite
def landline(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["010", "021", "0731", "0755", "0871"]))
    local = draw(st.sampled_from("2345678")) + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6,
                                                                      max_size=7)))
    sep = draw(st.sampled_from(["-", " ", "", "－"]))
    return (f"({area}){local}" if draw(st.booleans()) else f"{area}{sep}{local}")


@settings(max_examples=400, deadline=None)
@given(before=TEXT, number=st.one_of(mobile(), id_number(), landline()), after=TEXT)
def test_no_whole_personal_number_survives(before: str, number: str, after: str) -> None:
    text = before + number + after
    out = mask(text)
    whole = _digits(number)[-11:] if len(_digits(number)) < 18 else _digits(number)
    assert whole not in _digits(out).replace(" ", ""), (text, out)
    assert "*" in out and has_personal_number(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789测温体温异常小区：， -.", max_size=40))
def test_mask_never_raises_and_keeps_length_order(text: str) -> None:
    mask(text)


def test_plain_report_figures_are_not_personal() -> None:
    for text in ["测温：356人", "日期：2020-02-26", "口罩库存：5000个", "12345678901234567", "2020.02.26 体温异常0",
                 "1,200个", "在岗120人 返岗15人 核酸120人"]:
        assert mask(text) == text and not has_personal_number(text)


def test_the_formats_the_issue_names() -> None:
    cases = {"138-1234-5678": "138****5678", "138 1234 5678": "138****5678", "138.1234.5678": "138****5678",
             "+86 138 1234 5678": "138****5678", "8613812345678": "138****5678", "一三八一二三四五六七八": "138****5678",
             "１３８１２３４５６７８": "138****5678", "4305 2119 9001 0112 34": "4305**********1234",
             "0731-88888888": "0731-****8888"}
    for raw, want in cases.items():
        assert mask(f"联系电话：{raw}。") == f"联系电话：{want}。"


def test_a_megabyte_of_numbers_is_masked_whole() -> None:
    """Every one of 60,000 phone numbers in one message is masked (the search for overlaps was
    quadratic: 1 MB held every group's intake for minutes)."""
    text = "".join(f"{i}号：1{38 + i % 10}{i:08d}，" for i in range(60_000))
    masked = mask(text)
    assert masked.count("****") == 60_000 and not has_personal_number(masked)


async def test_a_megabyte_update_does_not_hold_the_next_report(config, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A report whose 备注 is a megabyte of phone numbers is answered, and so is the next one, in time."""
    import asyncio

    from tests.e2e import PROPERTY_ROOM, running_bot

    notes = "".join(f"1{38 + i % 10}{i:08d}，" for i in range(80_000))
    async with running_bot(config, engine, tmp_path) as bot:
        big = await asyncio.wait_for(bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan",
                                              f"小区：翠园小区\n测温：320\n体温异常：0\n消杀：是\n备注：{notes}"), 60)
        (nxt,) = await asyncio.wait_for(bot.post(PROPERTY_ROOM, "wxid_li_yangguang",
                                                 "阳光花园小区 测温210 体温异常0 已消杀"), 30)
    assert big and all("1380000" not in (m.text or "") for m in big)
    assert nxt.text is not None and "✅ 阳光花园小区" in nxt.text
