"""How people really type (issue #7): one-line reports, stated phrases, label words, lead-ins, remarks,
typos, known units, near-reports, 接龙 and implausible values — one list per rule.

Same shape as tests/parser_cases.py; `known=True` reads with the registry (the configured units)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tests.parser_cases import R as _R

D = dt.date


@dataclass
class R(_R):
    guesses: list[str] | None = None  # labels read by a guess, in order
    entry: int | None = None


@dataclass
class Case:
    kind: str
    text: str
    reports: list[R]
    rule: str
    known: bool = False
    note: str = ""
    unread: list[int] = field(default_factory=list)  # 接龙 entries that could not be read


def _case(kind: str, rule: str) -> Any:
    def make(text: str, *reports: R, known: bool = False, note: str = "", unread: list[int] | None = None) -> Case:
        return Case(kind, text, list(reports), rule, known, note, unread or [])
    return make


CUI = {"community": "翠园小区", "residents_screened": 320, "fever_cases": 0, "disinfected": True}
BIN = {"project": "滨江壹号", "status": "resumed", "workers_on_site": 120, "fever_cases": 0}

# --- 1. inline reports: the unit and several pairs on one line, any separator or none ----------
P1, C1, G1 = _case("property", "inline"), _case("construction", "inline"), _case("grid", "inline")
INLINE = [
    P1("翠园小区 2月26日 测温320人 体温异常0 已消杀", R({**CUI, "date": D(2020, 2, 26)})),
    P1("翠园小区、测温320、体温异常0、已消杀", R(CUI)),
    C1("滨江壹号 已复工 在岗120人 体温异常0", R(BIN)),
    P1("翠园小区，测温320，体温异常0，已消杀", R(CUI)),
    P1("翠园小区；测温320；体温异常0；已消杀", R(CUI)),
    P1("翠园小区 测温320 体温异常0 消杀是", R(CUI)),
    P1("翠园小区测温320人体温异常0人已消杀", R(CUI), note="no separator at all: cut where labels begin"),
    P1("翠园小区 测温 320 体温异常 0 消杀 是", R(CUI), note="label and value apart"),
    P1("翠园小区 今日测温320人，体温异常0人，已消杀。", R(CUI)),
    P1("翠园小区 2.26 测温320 发热0 已消毒", R({**CUI, "date": D(2020, 2, 26)})),
    P1("翠园小区 昨天 测温320 体温异常0 已消杀", R({**CUI, "date": D(2020, 2, 25)})),
    P1("阳光花园小区、测温210人、外来登记12人、体温异常0、已消杀、口罩300个",
       R({"community": "阳光花园小区", "residents_screened": 210, "visitors_registered": 12, "masks": 300})),
    P1("锦绣华庭 测温98 异常0 已消杀", R({"community": "锦绣华庭", "residents_screened": 98, "fever_cases": 0})),
    P1("幸福里小区 测温88人 体温均正常 已消杀", R({"community": "幸福里小区", "residents_screened": 88, "fever_cases": 0})),
    P1("翠园小区 测温320人 体温异常0 未消杀", R({**CUI, "disinfected": False})),
    P1("翠园小区  测温320   体温异常0    已消杀", R(CUI), note="several spaces"),
    P1("翠园小区 测温三百二十人 体温异常零 已消杀", R(CUI)),
    P1("翠园小区 测温320人 外来人员5人 居家隔离2户 体温异常0 已消杀",
       R({**CUI, "visitors_registered": 5, "home_quarantine": 2})),
    P1("翠园小区 测温320 体温异常0 已消杀 口罩800 消毒液20桶 体温枪3把",
       R({**CUI, "masks": 800, "disinfectant_barrels": 20, "thermometers": 3})),
    P1("1.翠园小区 测温320 体温异常0 已消杀\n2.阳光花园 测温210 体温异常1 已消杀",
       R(CUI), R({"community": "阳光花园", "residents_screened": 210, "fever_cases": 1})),
    P1("翠园小区、测温320、体温异常0、已消杀\n阳光花园、测温210、体温异常0、未消杀",
       R(CUI), R({"community": "阳光花园", "disinfected": False})),
    C1("滨江壹号 已复工 在岗120人 返岗15人 体温异常0", R({**BIN, "returned_workers": 15})),
    C1("市一中迁建工程，待复工，在岗8人，体温异常0",
       R({"project": "市一中迁建工程", "status": "not_resumed", "workers_on_site": 8, "fever_cases": 0})),
    C1("滨江壹号、正常施工、在岗人数120、发热0", R(BIN)),
    C1("滨江壹号 已复工 在岗120人 核酸120人 体温异常0 已消杀", R({**BIN, "nucleic_tests": 120, "disinfected": True})),
    C1("滨江壹号 停工 在岗0人 体温异常0", R({**BIN, "status": "suspended", "workers_on_site": 0})),
    G1("翠园网格 走访35户 排查120人 发现问题2个 已整改1个",
       R({"grid": "翠园网格", "households_visited": 35, "people_screened": 120, "issues_found": 2, "issues_rectified": 1})),
    G1("翠园网格、走访35户、排查120人", R({"grid": "翠园网格", "households_visited": 35, "people_screened": 120})),
    G1("阳光网格 入户40 排查人数150 发热0", R({"grid": "阳光网格", "households_visited": 40, "people_screened": 150})),
    P1("翠园小区 2月26日 测温320 体温异常0 已消杀 备注：3栋门禁已修",
       R({**CUI, "notes": "3栋门禁已修"})),
]

# --- 2. stated phrases: a segment that sets its field with no label -----------------------------
P2, C2, G2 = _case("property", "phrases"), _case("construction", "phrases"), _case("grid", "phrases")
BASE = "小区：翠园小区\n测温：320\n"
PHRASES = [
    *[P2(BASE + "体温异常：0\n" + p, R({"disinfected": True})) for p in
      ("已消杀", "已消毒", "已全面消杀", "公共区域已消杀", "消杀已完成", "公共区域已消毒", "今日已消杀")],
    *[P2(BASE + "体温异常：0\n" + p, R({"disinfected": False})) for p in ("未消杀", "未消毒", "今日未消毒")],
    *[P2(BASE + p + "\n已消杀", R({"fever_cases": 0, "disinfected": True})) for p in
      ("体温均正常", "体温正常", "无异常", "均无异常", "无发热", "无发热人员", "未发现发热")],
    *[C2("项目：滨江壹号\n" + p + "\n在岗人数：120\n体温异常：0", R({"status": v})) for p, v in
      (("已复工", "resumed"), ("正常施工", "resumed"), ("未复工", "not_resumed"), ("待复工", "not_resumed"),
       ("停工", "suspended"), ("暂停施工", "suspended"))],
    P2("翠园小区 测温320 体温均正常，已消杀", R(CUI)),
    P2("翠园小区：测温320人，无发热人员，公共区域已消杀", R(CUI)),
    C2("滨江壹号项目 正常施工 在岗120 无发热", R({"project": "滨江壹号项目", "status": "resumed", "fever_cases": 0})),
    G2("翠园网格 走访35户 无异常", R({"grid": "翠园网格", "households_visited": 35, "fever_cases": 0})),
    P2("翠园小区\n测温：320\n体温：正常\n消杀：已完成", R(CUI), note="label：value that together state a phrase"),
]

# --- 3. the unit field's own label words never become a unit's name ----------------------------
P3, C3, G3 = _case("property", "unit label words"), _case("construction", "unit label words"), _case("grid", "unit label words")
LABEL_WORDS = [
    P3("小区名：翠园小区\n测温：356人\n体温异常：1人（已送发热门诊）\n消杀：✅",
       R({"community": "翠园小区", "residents_screened": 356, "fever_cases": 1, "disinfected": True})),
    P3("小区名称：翠园小区\n测温：320\n体温异常：0\n消杀：是", R(CUI)),
    P3("小区名字：翠园小区\n测温：320\n体温异常：0\n消杀：是", R(CUI)),
    P3("住宅小区名称：翠园小区\n测温：320\n体温异常：0\n消杀：是", R(CUI)),
    C3("工程名称：滨江壹号\n复工情况：已复工\n在岗人数：120\n体温异常：0", R(BIN)),
    C3("项目名称：滨江壹号\n已复工\n在岗：120人\n体温异常：0", R(BIN)),
    C3("在建项目名称：滨江壹号\n已复工\n在岗人数：120\n体温异常：0", R(BIN)),
    C3("工程名：滨江壹号\n已复工\n在岗人数：120\n体温异常：0", R(BIN)),
    C3("项目名：滨江壹号，已复工，在岗120人，体温异常0", R(BIN)),
    G3("网格名称：翠园网格\n走访户数：35", R({"grid": "翠园网格", "households_visited": 35})),
    G3("网格名：翠园网格\n走访：35户", R({"grid": "翠园网格", "households_visited": 35})),
    P3("小区名 翠园小区\n测温 320\n体温异常 0\n消杀 是", R(CUI)),
]

# --- 4. lead-ins and closings -------------------------------------------------------------------
P4, C4, G4 = _case("property", "lead-ins"), _case("construction", "lead-ins"), _case("grid", "lead-ins")
REST = "\n测温：320人\n体温异常：0\n消杀：是"
LEAD_INS = [
    P4("各位领导好，翠园小区今日情况汇报：" + REST, R(CUI)),
    P4("@防控小助手 翠园小区今日报备" + REST, R(CUI)),
    P4("各位领导好！翠园小区今日防控情况汇报如下：" + REST, R(CUI)),
    P4("领导好，翠园小区今日情况：" + REST, R(CUI)),
    P4("大家好，翠园小区今日报告" + REST, R(CUI)),
    P4("您好，翠园小区汇报今日情况" + REST, R(CUI)),
    P4("现将翠园小区今日防控情况报告如下：" + REST, R(CUI)),
    P4("翠园小区今日报备：" + REST, R(CUI)),
    P4("翠园小区今日情况汇报" + REST + "\n请审阅", R(CUI)),
    P4("翠园小区" + REST + "\n请领导审阅！", R(CUI)),
    P4("翠园小区" + REST + "\n谢谢", R(CUI)),
    P4("翠园小区" + REST + "\n以上，请审阅。谢谢！", R(CUI)),
    P4("各位领导：\n翠园小区2月26日情况汇报如下" + REST + "\n请审阅", R({**CUI, "date": D(2020, 2, 26)})),
    P4("@防控小助手 翠园小区 测温320 体温异常0 已消杀", R(CUI)),
    C4("各位领导好，滨江壹号今日情况汇报：\n复工情况：已复工\n在岗人数：120\n体温异常：0\n请审阅", R(BIN)),
    C4("@防控小助手 滨江壹号今日报备\n已复工 在岗120人 体温异常0", R(BIN)),
    G4("各位领导好，翠园网格今日巡查情况汇报：\n走访35户\n排查120人\n谢谢",
       R({"grid": "翠园网格", "households_visited": 35, "people_screened": 120})),
    P4("翠园小区今日情况汇报：测温320人，体温异常0，已消杀", R(CUI)),
    P4("各位领导好\n翠园小区\n测温320\n体温异常0\n已消杀\n辛苦了", R(CUI)),
    P4("各位领导，翠园小区报告：" + REST, R(CUI)),
]

# --- 5. values with remarks ---------------------------------------------------------------------
P5, C5, G5 = _case("property", "remarks"), _case("construction", "remarks"), _case("grid", "remarks")
HEAD = "小区：翠园小区\n"
REMARKS = [
    P5(HEAD + "测温：320\n体温异常：1人（已送发热门诊）\n消杀：是",
       R({"fever_cases": 1, "notes": "体温异常：已送发热门诊"})),
    P5(HEAD + "测温：30余人\n体温异常：0\n消杀：是", R({"residents_screened": 30})),
    P5(HEAD + "测温：约50人左右\n体温异常：0\n消杀：是", R({"residents_screened": 50})),
    P5(HEAD + "测温：356人次\n体温异常：0\n消杀：是", R({"residents_screened": 356})),
    P5(HEAD + "测温：300多人\n体温异常：0\n消杀：是", R({"residents_screened": 300})),
    P5(HEAD + "测温：共320人\n体温异常：0\n消杀：是", R({"residents_screened": 320})),
    P5(HEAD + "测温：320人（含外来人员）\n体温异常：0\n消杀：是",
       R({"residents_screened": 320, "notes": "测温：含外来人员"})),
    P5(HEAD + "测温：320\n体温异常：2人(已隔离观察，情况稳定)\n消杀：是",
       R({"fever_cases": 2, "notes": "体温异常：已隔离观察,情况稳定"})),
    P5(HEAD + "测温：320\n体温异常：无（已排查）\n消杀：是", R({"fever_cases": 0, "notes": "体温异常：已排查"})),
    P5(HEAD + "测温：320\n体温异常：0\n消杀：是（公共区域）", R({"disinfected": True, "notes": "消杀：公共区域"})),
    P5(HEAD + "测温：320\n体温异常：1人已送医\n消杀：是", R({"fever_cases": 1, "notes": "体温异常：已送医"})),
    P5(HEAD + "测温：320\n体温异常：0\n消杀：是\n备注：业主身份证 4305 2119 9001 0112 34 已登记",
       R({"notes": "业主身份证 4305 2119 9001 0112 34 已登记"}), note="spaces kept: the mask sees one ID"),
    P5(HEAD + "测温：320\n体温异常：0\n消杀：是\n备注：今日正常，请放心 谢谢", R({"notes": "今日正常，请放心 谢谢"})),
    P5(HEAD + "测温：320\n体温异常：1人（已送发热门诊）\n消杀：是\n备注：3栋电梯维修",
       R({"fever_cases": 1, "notes": "3栋电梯维修；体温异常：已送发热门诊"})),
    P5("翠园小区 测温320人 体温异常1人(已送医) 已消杀", R({**CUI, "fever_cases": 1, "notes": "体温异常：已送医"})),
    P5(HEAD + "测温：大约三百人\n体温异常：0\n消杀：是", R({"residents_screened": 300})),
    P5(HEAD + "测温：320\n外来登记：12人次\n体温异常：0\n消杀：是", R({"visitors_registered": 12})),
    C5("项目：滨江壹号\n已复工\n在岗人数：120余人\n体温异常：0", R({"workers_on_site": 120})),
    C5("项目：滨江壹号\n已复工\n在岗人数：120人（含管理人员10人）\n体温异常：0",
       R({"workers_on_site": 120, "notes": "在岗：含管理人员10人"})),
    G5("网格：翠园网格\n走访户数：35户左右\n排查人数：120余人", R({"households_visited": 35, "people_screened": 120})),
    P5(HEAD + "测温：1,200人\n体温异常：0\n消杀：是", R({"residents_screened": 1200})),
    P5(HEAD + "测温：三百五十六人次\n体温异常：0\n消杀：是", R({"residents_screened": 356})),
]

# --- 6. labels read by score: filler words, prefixes, typos, units of measure -------------------
P6, C6, G6 = _case("property", "fuzzy labels"), _case("construction", "fuzzy labels"), _case("grid", "fuzzy labels")
TAIL = "\n体温异常：0\n消杀：是"
FUZZY = [
    P6("小区：翠园小区\n侧温：320" + TAIL, R({"residents_screened": 320}, guesses=["侧温"]), note="one-character typo"),
    P6("小区：翠园小区\n今日体温检测：320人" + TAIL, R({"residents_screened": 320}, guesses=["今日体温检测"])),
    P6("小区：翠园小区\n今日测温人数：320" + TAIL, R({"residents_screened": 320}, guesses=[]), note="quiet words only"),
    P6("小区：翠园小区\n今天测温情况：320人" + TAIL, R({"residents_screened": 320}, guesses=["今天测温情况"])),
    P6("小区：翠园小区\n测温总数：320" + TAIL, R({"residents_screened": 320}, guesses=[])),
    P6("小区：翠园小区\n测温数量：320" + TAIL, R({"residents_screened": 320}, guesses=[])),
    P6("小区：翠园小区\n测温：320\n异常：0\n消杀：是", R({"fever_cases": 0}, guesses=[]), note="prefix of 异常人数"),
    P6("小区：翠园小区\n测温：320\n体温异长：0\n消杀：是", R({"fever_cases": 0}, guesses=["体温异长"])),
    P6("小区：翠园小区\n测温：320\n体温异常：0\n消沙：是", R({"disinfected": True}, guesses=["消沙"])),
    P6("小区：翠园小区\n测温：320\n体温异常：0\n消杀：是\n口照：800", R({"masks": 800}, guesses=["口照"])),
    P6("小区：翠园小区\n测温：320\n体温异常：0\n消杀：是\n消毒夜：20桶", R({"disinfectant_barrels": 20}, guesses=["消毒夜"])),
    P6("小区：翠园小区\n测温：320\n体温异常：0\n消杀：是\n今日外来人员登记数：5", R({"visitors_registered": 5}, guesses=[])),
    C6("项目：滨江壹号\n已复工\n在岗120人\n体温异常0", R({"workers_on_site": 120}, guesses=[])),
    C6("项目：滨江壹号\n已复工\n今日在岗人数：120\n体温异常：0", R({"workers_on_site": 120}, guesses=[])),
    C6("项目：滨江壹号\n已复工\n在岗人员：120\n体温异常：0", R({"workers_on_site": 120})),
    C6("项目：滨江壹号\n已复工\n在刚人数：120\n体温异常：0", R({"workers_on_site": 120}, guesses=["在刚人数"])),
    G6("网格：翠园网格\n走访：35户\n排查175人", R({"people_screened": 175}, guesses=[]), note="unit of measure settles 排查"),
    G6("网格：翠园网格\n排查60户\n排查175人", R({"households_visited": 60, "people_screened": 175})),
    G6("网格：翠园网格 排查60户 排查175人 发现问题1处", R({"households_visited": 60, "people_screened": 175, "issues_found": 1})),
    G6("网格：翠园网格\n走访户数：35\n排查：175", R({"households_visited": 35}, unknown=["排查"]),
       note="排查 with no unit could be either: listed as not understood"),
    P6("小区：翠园小区\n排查60户" + TAIL, R({"residents_screened": 60}, guesses=["排查"]),
       note="a unit of measure the field does not count in is said in the receipt"),
    G6("网格：翠园网格\n走方：35户", R({"households_visited": 35}, guesses=["走方"])),
]

# --- 7. units from the registry (the bot; `wxbot parse --config`) --------------------------------
P7, C7, G7 = _case("property", "registry"), _case("construction", "registry"), _case("grid", "registry")
KNOWN = [
    P7("王经理报：翠园小区 测温320 体温异常0 已消杀", R(CUI), known=True),
    P7("物业王经理\n翠园小区\n测温：320\n体温异常：0\n消杀：是", R(CUI), known=True),
    P7("各位领导好，今日翠园小区情况如下：" + REST, R(CUI), known=True),
    P7("翠园 测温320 体温异常0 已消杀", R({**CUI, "community": "翠园"}), known=True, note="an alias"),
    P7("翠园小区物业防控情况" + REST, R(CUI), known=True),
    P7("今天翠园小区的情况：测温320，体温异常0，已消杀", R(CUI), known=True),
    P7("翠园小区", R({"community": "翠园小区"}, missing=["fever_cases", "disinfected"]), known=True,
       note="a known unit alone: meant as a report, asked for the rest"),
    P7("翠园小区今日报备", R({"community": "翠园小区"}, missing=["fever_cases", "disinfected"]), known=True),
    C7("滨江壹号项目部汇报：已复工 在岗120人 体温异常0", R({**BIN, "project": "滨江壹号项目"}), known=True),
    C7("一中迁建 待复工 在岗8 发热0", R({"project": "一中迁建", "status": "not_resumed"}), known=True),
    G7("张网格员 翠园网格 走访35户", R({"grid": "翠园网格", "households_visited": 35}), known=True),
    P7("1.翠园 测温320 体温异常0 已消杀\n2.阳光花园 测温210 体温异常0 已消杀",
       R({"community": "翠园"}), R({"community": "阳光花园"}), known=True),
    P7("阳光花园的李主任今天请假了", known=True, note="a known unit in chit-chat: not at a line's start"),
    P7("翠园小区今天报了吗？", known=True),
    P7("请翠园小区尽快报送", known=True, note="a notice naming a unit"),
]

# --- 8. never silent: near-reports get an answer; chit-chat, questions, notices do not -----------
P8, C8, G8 = _case("property", "near-reports"), _case("construction", "near-reports"), _case("grid", "near-reports")
NEAR = [
    P8("测温320", R({"residents_screened": 320}, missing=["community", "fever_cases", "disinfected"])),
    P8("翠园小区 测温320", R({"community": "翠园小区", "residents_screened": 320}, missing=["fever_cases", "disinfected"])),
    P8("小区：翠园小区", R({"community": "翠园小区"}, missing=["fever_cases", "disinfected"]), note="labelled unit"),
    P8("体温异常1人", R({"fever_cases": 1}, missing=["community", "disinfected"])),
    P8("翠园小区 体温异常1人 已送医", R({"community": "翠园小区", "fever_cases": 1}, missing=["disinfected"])),
    P8("口罩还剩300个", R({"masks": 300}, missing=["community", "fever_cases", "disinfected"], guesses=["口罩还剩"])),
    P8("翠园小区 已消杀 体温正常", R({"community": "翠园小区", "fever_cases": 0, "disinfected": True})),
    C8("在岗120人", R({"workers_on_site": 120}, missing=["project", "fever_cases"])),
    C8("滨江壹号 在岗120", R({"project": "滨江壹号", "workers_on_site": 120}, missing=["fever_cases"])),
    G8("走访35户", R({"households_visited": 35}, missing=["grid"])),
    P8("测温：若干", R({}, missing=["community", "fever_cases", "disinfected"], invalid=["residents_screened"])),
    P8("好的，已消杀"),
    P8("收到，测温马上报"),
    P8("今天测温人数怎么填？"),
    P8("请各小区报送测温人数、体温异常人数"),
    P8("测温人数、体温异常人数、是否消杀"),
    P8("小区名称：\n测温人数：\n体温异常人数：\n是否消杀：", note="the blank form pasted back"),
    P8("各位辛苦了"),
    P8("明天上午10点开会，请各小区负责人参加"),
    P8("3栋门口有垃圾，请物业处理一下"),
    C8("工地今天下雨，停工一天吗"),
    G8("马上去走访"),
    G8("请各网格员下午5点前报送"),
]

# --- 10. 接龙 (group solitaire) -----------------------------------------------------------------
P10 = _case("property", "jielong")
JIELONG_HEAD = "#接龙\n2月26日防控日报（9:00前）\n例 翠园小区 测温320 体温异常0 已消杀\n\n"
J_ENTRIES = ["翠园小区 测温320 体温异常0 已消杀", "阳光花园 测温210 体温异常1 已消杀", "锦绣华庭 测温98人 体温异常0 已消杀",
             "幸福里小区 测温88 体温异常0 未消杀"]
JIELONG = [
    P10(JIELONG_HEAD + "\n".join(f"{i}. {e}" for i, e in enumerate(J_ENTRIES, 1)),
        R({**CUI, "date": D(2020, 2, 26)}, entry=1), R({"community": "阳光花园", "fever_cases": 1}, entry=2),
        R({"community": "锦绣华庭", "residents_screened": 98}, entry=3),
        R({"community": "幸福里小区", "disinfected": False}, entry=4)),
    P10("#接龙\n防控日报\n1. 翠园小区 测温320 体温异常0 已消杀", R(CUI, entry=1)),
    P10("#接龙\n防控日报\n例：小区 测温 体温异常 消杀\n1. 翠园小区 测温320 体温异常0 已消杀\n2. 收到",
        R(CUI, entry=1), unread=[2]),
    P10("#Group Note\n2月26日防控日报\n1. 翠园小区 测温320 体温异常0 已消杀\n2. 阳光花园 测温210 体温异常0 已消杀",
        R(CUI, entry=1), R({"community": "阳光花园"}, entry=2)),
    P10("@防控小助手 防控日报#接龙\n\n2月26日\n例 小区名 测温 体温异常 消杀\n\n1. 翠园小区 测温320 体温异常0 已消杀\n"
        "2. 阳光花园 测温210\n体温异常0 已消杀", R(CUI, entry=1), R({"community": "阳光花园", "fever_cases": 0}, entry=2),
        note="mark at the end of the first line; an entry over two lines"),
    P10("#接龙\n2月25日防控日报\n1. 翠园小区 测温320 体温异常0 已消杀", R({**CUI, "date": D(2020, 2, 25)}, entry=1)),
    P10("#接龙\n防控日报\n1. 翠园小区 测温320 体温异常0 已消杀\n2. 阳光花园 测温210 体温异常1人（已送医） 已消杀",
        R(CUI, entry=1), R({"community": "阳光花园", "fever_cases": 1, "notes": "体温异常：已送医"}, entry=2)),
    P10("#接龙\n防控日报\n1. 翠园小区 测温320 体温异常0 已消杀\n2. 阳光花园 今天晚点报\n3. 锦绣华庭 测温98 体温异常0 已消杀",
        R(CUI, entry=1), R({"community": "锦绣华庭"}, entry=3), unread=[2]),
    P10("#接龙\n防控日报\n1. 王经理 翠园小区 测温320 体温异常0 已消杀", R(CUI, entry=1), known=True,
        note="a person's name first: the known unit wins"),
    P10("#接龙\n周末值班安排\n1. 张三\n2. 李四", unread=[1, 2], note="a 接龙 that is not a report"),
    P10("#接龙\n防控日报\n1. 翠园小区、测温320、体温异常0、已消杀\n2. 阳光花园、测温210、体温异常0、已消杀\n"
        "3. 锦绣华庭、测温98、体温异常0、已消杀\n4. 幸福里小区、测温88、体温异常0、已消杀",
        R(CUI, entry=1), R({"community": "阳光花园"}, entry=2), R({"community": "锦绣华庭"}, entry=3),
        R({"community": "幸福里小区"}, entry=4)),
]

# --- 11. plausibility -----------------------------------------------------------------------------
P11, G11 = _case("property", "plausibility"), _case("grid", "plausibility")
PLAUSIBLE = [
    P11(HEAD + "测温：12345678901234567\n体温异常：0\n消杀：是", R({"community": "翠园小区"}, invalid=["residents_screened"])),
    P11(HEAD + "测温：1000001\n体温异常：0\n消杀：是", R({}, invalid=["residents_screened"])),
    P11(HEAD + "测温：1000000\n体温异常：0\n消杀：是", R({"residents_screened": 1_000_000})),
    P11("【9999年2月26日翠园小区防控日报】\n测温：320\n体温异常：0\n消杀：是", R({"community": "翠园小区"}, invalid=["date"])),
    P11(HEAD + "测温：320\n体温异常：0\n消杀：是\n日期：2月27日", R({}, invalid=["date"]), note="tomorrow"),
    P11(HEAD + "测温：320\n体温异常：0\n消杀：是\n日期：2020年1月25日", R({}, invalid=["date"]),
        note="more than 31 days back"),
    P11(HEAD + "测温：320\n体温异常：0\n消杀：是\n日期：2020年1月26日", R({"date": D(2020, 1, 26)}), note="31 days back"),
    P11(HEAD + "测温：320\n体温异常：0\n消杀：是\n日期：2019年2月26日", R({}, invalid=["date"])),
    P11(HEAD + "测温：36.5\n体温异常：0\n消杀：是", R({}, invalid=["residents_screened"])),
    P11(HEAD + "测温：320\n体温异常：99999999\n消杀：是", R({}, invalid=["fever_cases"])),
    G11("网格：翠园网格\n走访户数：2000000", R({"grid": "翠园网格"}, invalid=["households_visited"])),
    P11("翠园小区 2020年3月1日 测温320 体温异常0 已消杀", R({"community": "翠园小区"}, invalid=["date"])),
]

ALL_PEOPLE = INLINE + PHRASES + LABEL_WORDS + LEAD_INS + REMARKS + FUZZY + KNOWN + NEAR + JIELONG + PLAUSIBLE
