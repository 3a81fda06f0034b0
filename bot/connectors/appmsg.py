"""WeChat app messages (<msg><appmsg>…) that carry something we read: the 接龙 (group note, app type
53). Its <title> holds the chain as people see it; <extinfo><solitaire_info> names each entry's
author (<i><u>wxid</u>…<r>start-length</r></i>, in the order of the entries).

Parsed with defusedxml: the XML comes from other people's phones."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

GROUP_NOTE = "53"


def _parse(xml: str) -> Element | None:
    try:
        return ElementTree.fromstring(xml.strip())
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None


def group_note(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(the chain's text, the authors of its entries in order), or None when text is no group note."""
    if "<appmsg" not in text:
        return None
    root = _parse(text[text.find("<"):])
    if root is None:
        return None
    app = root if root.tag == "appmsg" else root.find("appmsg")
    if app is None or (app.findtext("type") or "").strip() != GROUP_NOTE:
        return None
    title = app.findtext("title") or ""
    info = app.findtext("extinfo/solitaire_info") or ""
    authors: tuple[str, ...] = ()
    solitaire = _parse(info) if info.strip() else app.find("extinfo/solitaire_info/solitaire")
    if solitaire is not None:
        entries = solitaire.findall("content/i") if solitaire.tag == "solitaire" else solitaire.findall(".//content/i")
        authors = tuple((i.findtext("u") or "").strip() for i in entries)
    return title, authors
