"""Realistic messages as people post them in the bureau's groups, with what must be read from them.

R(...) is one expected report: the fields listed must be read with exactly these values (others may
be present); missing/invalid must match exactly; unknown is checked when given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class R:
    fields: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    unknown: list[str] | None = None


@dataclass
class Case:
    kind: str
    text: str
    reports: list[R]
    note: str = ""


def P(text: str, *reports: R, note: str = "") -> Case:
    return Case("property", text, list(reports), note)


def C(text: str, *reports: R, note: str = "") -> Case:
    return Case("construction", text, list(reports), note)


def G(text: str, *reports: R, note: str = "") -> Case:
    return Case("grid", text, list(reports), note)


D = dt.date
CLEAN = {"community": "翠园小区", "residents_screened": 356, "fever_cases": 0, "disinfected": True}

PROPERTY = [
    P("小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅", R(CLEAN)),
    P("小区:翠园小区\n测温:356\n体温异常:0\n消杀:是", R(CLEAN)),
    P("小区名称：翠园小区\n测温人数：356人\n体温异常人数：0人\n是否消杀：是", R(CLEAN)),
    P("小区=翠园小区\n测温=356\n体温异常=0\n消杀=已完成", R(CLEAN)),
    P("小区 翠园小区\n测温 356\n体温异常 0\n消杀 是", R(CLEAN), note="space as separator"),
    P("小区：翠园小区，测温：356人，体温异常：0，消杀：是", R(CLEAN), note="one line, commas"),
    P("小区：翠园小区；测温：356人；体温异常：0；消杀：是", R(CLEAN)),
    P("翠园小区 测温356人 体温异常0 已消杀", R(CLEAN), note="several pairs, spaces"),
    P("锦绣华庭 测温98人 体温异常0 已消杀", R({"community": "锦绣华庭", "residents_screened": 98, "fever_cases": 0})),
    P("锦绣华庭 测温98人 消杀：是", R({"community": "锦绣华庭"}, missing=["fever_cases"]), note="name without 小区"),
    P("翠园小区\n测温356人\n体温异常0人\n已消杀", R(CLEAN), note="no separators"),
    P("１、小区：翠园小区\n２、测温：３５６人\n３、体温异常：０\n４、消杀：是", R(CLEAN), note="full-width digits"),
    P("1.小区：翠园小区\n2.测温：356人\n3.体温异常：0\n4.消杀：✅", R(CLEAN)),
    P("①小区：翠园小区\n②测温：356人\n③体温异常：0\n④消杀：√", R(CLEAN)),
    P("(1)小区：翠园小区\n(2)测温：356人\n(3)体温异常：0\n(4)消杀：是", R(CLEAN)),
    P("一、小区：翠园小区\n二、测温：356人\n三、体温异常：0\n四、消杀：是", R(CLEAN)),
    P("【翠园小区】\n测温：356人\n体温异常：0\n消杀：是", R(CLEAN), note="unit in title brackets"),
    P("🏠小区：翠园小区\n🌡测温：356人\n😷体温异常：0\n🧴消杀：✅", R(CLEAN), note="emoji"),
    P("小区：翠园小区\n今日测温人数：356人\n体温异常：0\n消杀：是", R(CLEAN), note="label contains synonym"),
    P("小区：翠园小区\n测温：三百五十六人\n体温异常：零\n消杀：是", R(CLEAN), note="Chinese numerals"),
    P("小区：翠园小区\n测温：约356人\n体温异常：没有\n消杀：已消杀", R(CLEAN)),
    P("小区：翠园小区\n测温人数为356人\n体温异常人数为0\n消杀：是", R(CLEAN), note="为 as separator"),
    P("小区：翠园小区\n测温：356人。\n体温异常：0。\n消杀：是。", R(CLEAN), note="trailing full stops"),
    P("小区：翠园小区\n测温：356人✅\n体温异常：0✅\n消杀：✅", R(CLEAN), note="decorating checks"),
    P(
        "【翠园小区防控日报】2月26日\n1、今日测温人数：３５６人\n2、外来人员登记：十二人\n3、体温异常：0\n4、公共区域已消毒✅\n5、口罩库存5000个，消毒液150桶",
        R({**CLEAN, "visitors_registered": 12, "masks": 5000, "disinfectant_barrels": 150, "date": D(2020, 2, 26)}),
    ),
    P(
        "防控日报\n日期：2月25日\n小区：翠园小区\n测温：356\n外来人员：5\n体温异常：0\n居家隔离：3\n消杀：是\n口罩：800\n消毒液：20桶\n体温枪：4把\n发现问题：1\n备注：3栋门禁损坏已报修",
        R({**CLEAN, "visitors_registered": 5, "home_quarantine": 3, "masks": 800, "disinfectant_barrels": 20,
           "thermometers": 4, "issues_found": 1, "notes": "3栋门禁损坏已报修", "date": D(2020, 2, 25)}),
    ),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：2020-02-25", R({**CLEAN, "date": D(2020, 2, 25)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：2020年2月24日", R({**CLEAN, "date": D(2020, 2, 24)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：2.25", R({**CLEAN, "date": D(2020, 2, 25)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：2/25", R({**CLEAN, "date": D(2020, 2, 25)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：昨天", R({**CLEAN, "date": D(2020, 2, 25)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：今天", R({**CLEAN, "date": D(2020, 2, 26)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：25日", R({**CLEAN, "date": D(2020, 2, 25)})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是", R({**CLEAN, "date": D(2020, 2, 26)}), note="date defaults to today"),
    P("小区：翠园小区\n测温：356\n体温异常：2人\n消杀：是", R({**CLEAN, "fever_cases": 2})),
    P("小区：翠园小区\n测温：356\n发热人数：1\n消杀：否", R({**CLEAN, "fever_cases": 1, "disinfected": False})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：未消杀", R({**CLEAN, "disinfected": False})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：❌", R({**CLEAN, "disinfected": False})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n今日未消杀", R({**CLEAN, "disinfected": False})),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀情况：已完成", R(CLEAN)),
    P("小区：翠园小区\n测温：356人\n消杀：是", R({"community": "翠园小区"}, missing=["fever_cases"]), note="missing required"),
    P("小区：翠园小区\n测温：356人\n体温异常：0", R({"community": "翠园小区"}, missing=["disinfected"])),
    P("测温：356人\n体温异常：0\n消杀：是", R({"fever_cases": 0}, missing=["community"])),
    P("小区：翠园\n测温：若干\n消杀：是", R({"community": "翠园"}, missing=["fever_cases"], invalid=["residents_screened"])),
    P("小区：翠园小区\n测温：356\n体温异常：待统计\n消杀：是", R({"community": "翠园小区"}, invalid=["fever_cases"]),
      note="unusable required value is invalid, not missing"),
    P("小区：翠园小区\n测温：-5\n体温异常：0\n消杀：是", R({"community": "翠园小区"}, invalid=["residents_screened"])),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：不清楚", R({"community": "翠园小区"}, invalid=["disinfected"])),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n日期：2月30日", R({"community": "翠园小区"}, invalid=["date"])),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n天气：晴", R(CLEAN, unknown=["天气"]), note="unknown label listed"),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n保安在岗：6人", R(CLEAN, unknown=["保安在岗"])),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n备注：今日一切正常，请领导放心", R({**CLEAN, "notes": "今日一切正常，请领导放心"})),
    P("小区：翠园小区\n口罩库存：1,200个\n体温异常：0\n消杀：是", R({"masks": 1200, "fever_cases": 0})),
    P("小区：翠园小区\n测温：356\n居家观察：3户\n体温异常：0\n消杀：是", R({**CLEAN, "home_quarantine": 3})),
    P("小区：翠园小区\n来访登记：25人次\n体温异常：0\n消杀：是", R({"visitors_registered": 25, "fever_cases": 0})),
    P("住宅小区：翠园小区\n测温：356\n异常人数：0\n公共区域消毒：是", R(CLEAN)),
    P("翠园小区防控日报\n测温356人，体温异常0，已消杀", R(CLEAN), note="unit from title"),
    P("每日报备 翠园小区\n测温356，发热0，消杀完成", R(CLEAN)),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n红外体温枪：2把\n隐患：0处", R({**CLEAN, "thermometers": 2, "issues_found": 0})),
    P(
        "翠园小区：测温356，发热0，已消杀\n阳光花园：测温200，发热1，未消杀",
        R(CLEAN), R({"community": "阳光花园", "residents_screened": 200, "fever_cases": 1, "disinfected": False}),
        note="several units, one line each",
    ),
    P(
        "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n\n小区：阳光花园小区\n测温：210\n体温异常：0\n消杀：是\n\n小区：锦绣华庭\n测温：98\n体温异常：1\n消杀：否",
        R(CLEAN),
        R({"community": "阳光花园小区", "residents_screened": 210, "fever_cases": 0}),
        R({"community": "锦绣华庭", "residents_screened": 98, "fever_cases": 1, "disinfected": False}),
        note="three blocks",
    ),
    P(
        "2月25日防控日报\n1.翠园小区 测温356人 体温异常0 已消杀\n2.幸福里小区 测温88人 体温异常0 已消杀",
        R({**CLEAN, "date": D(2020, 2, 25)}),
        R({"community": "幸福里小区", "residents_screened": 88, "date": D(2020, 2, 25)}),
        note="shared date header",
    ),
    P("小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n口罩：2箱", R({**CLEAN, "masks": 2})),
    P("小区：翠园小区\n体温异常：0\n消杀：是\n备注：第1栋已检查，第2栋已检查", R({"notes": "第1栋已检查，第2栋已检查"}, unknown=[])),
]

CONSTRUCTION_CLEAN = {"project": "滨江壹号项目", "workers_on_site": 120, "fever_cases": 0}

CONSTRUCTION = [
    C("项目：滨江壹号项目\n在岗人数：120人\n体温异常：0", R(CONSTRUCTION_CLEAN)),
    C("项目名称：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n体温异常：0", R({**CONSTRUCTION_CLEAN, "status": "resumed"})),
    C("项目：滨江壹号项目\n状态：正常施工\n现场人数：120\n发热：0", R({**CONSTRUCTION_CLEAN, "status": "resumed"})),
    C("项目：滨江壹号项目\n是否复工：未复工\n在岗人数：8\n体温异常：0",
      R({"project": "滨江壹号项目", "status": "not_resumed", "workers_on_site": 8})),
    C("项目：滨江壹号项目\n复工情况：待复工\n在岗人数：0\n体温异常：0", R({"status": "not_resumed", "workers_on_site": 0})),
    C("项目：滨江壹号项目\n状态：停工\n在岗人数：0\n体温异常：0", R({"status": "suspended"})),
    C("项目：滨江壹号项目\n状态：暂停施工\n在岗人数：3\n体温异常：0", R({"status": "suspended", "workers_on_site": 3})),
    C("项目：滨江壹号项目\n复工情况：已复工✅\n在岗人数：120人\n外地返岗人数：30\n体温异常：0",
      R({**CONSTRUCTION_CLEAN, "status": "resumed", "from_other_regions": 30})),
    C("项目：滨江壹号项目\n状态：已复工\n在岗：120\n返岗人数：15\n体温异常：0",
      R({"returned_workers": 15, "workers_on_site": 120}), note="在岗 is 在岗人数 once the quiet 人数 is dropped"),
    C(
        "【工地日报】\n项目名称：市一中迁建工程\n复工情况：已复工\n今日在岗：86人\n新返岗：12人\n省外返岗：4人\n核酸检测：86人\n建立健康档案：86份\n体温异常：0\n消杀：已消杀\n口罩：1000个\n消毒液：10桶\n测温枪：3把\n备注：无",
        R({"project": "市一中迁建工程", "status": "resumed", "workers_on_site": 86, "returned_workers": 12,
           "from_other_regions": 4, "nucleic_tests": 86, "health_records": 86, "fever_cases": 0, "disinfected": True,
           "masks": 1000, "disinfectant_barrels": 10, "thermometers": 3, "notes": "无"}),
    ),
    C("工地：滨江壹号项目，在场人数：120，体温异常：0，已复工", R({**CONSTRUCTION_CLEAN, "status": "resumed"})),
    C("滨江壹号项目 已复工 施工人数120人 发热0", R({**CONSTRUCTION_CLEAN, "status": "resumed"})),
    C("工程：滨江壹号项目\n在岗人数：一百二十人\n体温异常：无", R(CONSTRUCTION_CLEAN)),
    C("在建项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n核酸：已做120人", R({**CONSTRUCTION_CLEAN, "nucleic_tests": 120}),
      note="已做120人: words before the one count in the field's unit (contract C9.4, C10.2)"),
    C("在建项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n核酸：全员已做", R({**CONSTRUCTION_CLEAN}, invalid=["nucleic_tests"]),
      note="no count at all"),
    C("项目：滨江壹号项目\n在岗人数：120", R({"project": "滨江壹号项目"}, missing=["fever_cases"])),
    C("项目：滨江壹号项目\n复工情况：差不多了\n在岗人数：120\n体温异常：0", R(CONSTRUCTION_CLEAN, invalid=["status"])),
    C("项目：滨江壹号项目\n在岗人数：很多\n体温异常：0", R({"project": "滨江壹号项目"}, invalid=["workers_on_site"])),
    C("复工日报 滨江壹号项目\n在岗人数120人，体温异常0", R(CONSTRUCTION_CLEAN), note="unit from title"),
    C("项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n日期：2月25日", R({**CONSTRUCTION_CLEAN, "date": D(2020, 2, 25)})),
    C("项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n塔吊：2台", R(CONSTRUCTION_CLEAN, unknown=["塔吊"])),
    C(
        "项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n项目：市一中迁建工程\n在岗人数：86\n体温异常：1",
        R(CONSTRUCTION_CLEAN), R({"project": "市一中迁建工程", "workers_on_site": 86, "fever_cases": 1}),
    ),
    C("项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n健康档案：120份\n核酸检测：120人",
      R({**CONSTRUCTION_CLEAN, "health_records": 120, "nucleic_tests": 120})),
    C("项目:滨江壹号项目 在岗人数:120 体温异常:0 消杀:是", R({**CONSTRUCTION_CLEAN, "disinfected": True})),
    C("📍项目：滨江壹号项目\n👷在岗人数：120人\n🌡️体温异常：0", R(CONSTRUCTION_CLEAN)),
    C("项目：滨江壹号项目\n在岗人数：120\n体温异常：0\n外地人员：0", R({**CONSTRUCTION_CLEAN, "from_other_regions": 0})),
]

GRID_CLEAN = {"grid": "翠园网格", "households_visited": 35}

GRID = [
    G("网格：翠园网格\n走访户数：35户\n排查人数：120人\n发现问题：2个\n已整改：1个\n体温异常：0",
      R({**GRID_CLEAN, "people_screened": 120, "issues_found": 2, "issues_rectified": 1, "fever_cases": 0})),
    G("网格：翠园网格\n走访户数为35户\n排查人数120\n发现问题2个，已整改1个\n发热0",
      R({**GRID_CLEAN, "people_screened": 120, "issues_found": 2, "issues_rectified": 1, "fever_cases": 0})),
    G("网格名称：翠园网格\n入户：35\n登记人数：120", R({**GRID_CLEAN, "people_screened": 120})),
    G("所在网格：翠园网格\n走访：35户", R(GRID_CLEAN)),
    G("网格巡查\n网格：翠园网格\n排查户数：35", R(GRID_CLEAN)),
    G("翠园网格 走访35户 排查人数120人 发现问题0", R({**GRID_CLEAN, "people_screened": 120, "issues_found": 0})),
    G("网格：翠园网格\n走访户数：三十五户\n发现问题：无", R({**GRID_CLEAN, "issues_found": 0})),
    G("网格：翠园网格\n排查人数：120", R({"grid": "翠园网格"}, missing=["households_visited"])),
    G("走访户数：35\n排查人数：120", R({"households_visited": 35}, missing=["grid"])),
    G("网格：翠园网格\n走访户数：挨家挨户\n排查人数：120", R({"grid": "翠园网格"}, invalid=["households_visited"])),
    G("网格：翠园网格\n走访户数：35\n整改问题：3\n备注：2处堆物已清理", R({**GRID_CLEAN, "issues_rectified": 3, "notes": "2处堆物已清理"})),
    G("网格日报 翠园网格\n走访35户，排查人数120人", R({**GRID_CLEAN, "people_screened": 120})),
    G("网格：翠园网格\n走访户数：35\n日期：2月25日", R({**GRID_CLEAN, "date": D(2020, 2, 25)})),
    G("网格：翠园网格\n走访户数：35\n巡逻时长：2小时", R(GRID_CLEAN, unknown=["巡逻时长"])),
    G(
        "网格：翠园网格\n走访户数：35\n网格：阳光网格\n走访户数：40",
        R(GRID_CLEAN), R({"grid": "阳光网格", "households_visited": 40}),
    ),
    G("网格：翠园网格；走访户数：35；排查人数：120；发现问题：1；已整改：1",
      R({**GRID_CLEAN, "people_screened": 120, "issues_found": 1, "issues_rectified": 1})),
    G("【网格报备】翠园网格\n入户35户\n发热0人", R({**GRID_CLEAN, "fever_cases": 0})),
    G("网格：翠园网格\n走访户数：35户✅\n排查人数：120人✅", R({**GRID_CLEAN, "people_screened": 120})),
    G("网格：翠园网格\n走访户数：35\n排查人数：约120", R({**GRID_CLEAN, "people_screened": 120})),
    G("网格：翠园网格\n走访户数：35\n体温异常：1人", R({**GRID_CLEAN, "fever_cases": 1})),
]

NOT_REPORTS = [
    P("收到"),
    P("好的"),
    P("收到，马上报"),
    P("👍"),
    P("今天测温多少人？"),
    P("请各小区每日报送测温人数、体温异常、消杀情况"),
    P("请各小区9:00前报送今日防控日报"),
    P("@王经理 你们小区报了吗"),
    P("翠园小区今天报了吗？"),
    P("明天下雨，请注意安全"),
    P("测温枪坏了一把，有备用的吗"),
    P(""),
    P("   \n  \n"),
    C("收到，明天复工"),
    C("请各工地报送复工情况和在岗人数"),
    G("好的，马上去走访"),
    G("今天走访了吗？"),
    P("小区日报"),
    P("防控日报模板：小区名称、测温人数、体温异常人数、是否消杀"),
]

ALL = PROPERTY + CONSTRUCTION + GRID + NOT_REPORTS
