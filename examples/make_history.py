"""Writes group-history.csv: a week of four groups (200 messages) in the shape `wxbot replay` reads —
reports typed every way people type them (forms, one-liners, voice, a pasted table, several units,
a 接龙, a report for the day before), and the rest of a group's traffic (a notice, a progress
statement, questions, acknowledgements, chat). Deterministic: `python examples/make_history.py`."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

PROPERTY, SITES, GRID, OFFICIALS = "金山街道物业小区防控群", "在建工地复工报备群", "金山街道网格员群", "住建局疫情防控领导小组"
PEOPLE = {"wxid_wang_cuiyuan": "王经理", "wxid_li_yangguang": "李主任", "wxid_zhao_jinxiu": "赵管家",
          "wxid_sun_xingfu": "孙物业", "wxid_chen_binjiang": "陈工", "wxid_liu_yizhong": "刘经理",
          "wxid_zhang_grid": "张网格员", "wxid_huang_grid": "黄网格员", "wxid_admin_zhou": "周科长"}
CN = "零一二三四五六七八九"


def spoken(n: int) -> str:
    """三百二十, 一千零五 — as voice-to-text writes a number."""
    if n < 10:
        return CN[n]
    out, units = "", [(1000, "千"), (100, "百"), (10, "十")]
    zero = False
    for size, word in units:
        d, n = divmod(n, size)
        if d:
            out += ("零" if zero and out else "") + CN[d] + word
            zero = False
        elif out:
            zero = True
    return out + (("零" if zero else "") + CN[n] if n else "")


def day_messages(rng: random.Random, day: dt.date) -> list[tuple[str, str, str, str]]:
    r = rng.randint
    msgs: list[tuple[str, str, str, str]] = [
        ("07:50", OFFICIALS, "wxid_admin_zhou", "各位早，今天继续做好小区和工地的防控日报"),
        ("08:05", PROPERTY, "wxid_admin_zhou", "@所有人 请各小区于上午10点前报送防控日报：测温人数、外来人员登记、体温异常、是否消杀"),
        ("08:06", PROPERTY, "wxid_zhao_jinxiu", "收到"),
        ("08:07", PROPERTY, "wxid_sun_xingfu", "收到👌"),
        ("08:20", PROPERTY, "wxid_wang_cuiyuan", f"小区：翠园小区\n测温：{r(300, 400)}人\n外来登记：{r(5, 20)}\n体温异常：无\n消杀：✅"),
        ("08:31", PROPERTY, "wxid_li_yangguang",
         f"嗯 阳光花园报一下 今天测温{spoken(r(200, 260))}个 外来登记的有{spoken(r(3, 15))}个 发热的没有 消毒也搞完了"),
        ("08:40", PROPERTY, "wxid_zhao_jinxiu", f"锦绣华庭 测温{r(90, 130)}人 外来登记{r(1, 9)}人 体温异常0 已消杀"),
        ("08:44", PROPERTY, "wxid_sun_xingfu", "今天的日报格式和昨天一样吗？"),
        ("08:45", PROPERTY, "wxid_admin_zhou", "一样的"),
        ("08:52", PROPERTY, "wxid_sun_xingfu",
         f"幸福里小区物业服务中心今日对进出人员测温共计{r(80, 120)}人次，登记外来人员{r(1, 6)}人，未发现体温异常人员，"
         "已对电梯、楼道等公共区域进行全面消杀。"),
        ("09:00", SITES, "wxid_chen_binjiang",
         f"项目：滨江壹号\n复工情况：已复工\n在岗人数：{r(110, 130)}人\n核酸检测：{r(100, 120)}\n体温异常：0\n消杀：已消杀"),
        ("09:10", SITES, "wxid_liu_yizhong", f"市一中迁建工程 今天还没复工 值班人员{r(2, 5)}人 体温正常 已消杀"),
        ("09:12", SITES, "wxid_admin_zhou", "区住建局通知：各在建项目须于每日10:00前报送在岗人数、返岗人数、体温异常"),
        ("09:15", SITES, "wxid_chen_binjiang", "好的"),
        ("09:30", OFFICIALS, "wxid_admin_zhou", "进度"),
        ("09:40", PROPERTY, "wxid_admin_zhou", "截至9点40，已报送4个小区，谢谢大家"),
        ("10:30", GRID, "wxid_zhang_grid", f"翠园网格今天走访了{spoken(r(30, 50))}户 排查了{spoken(r(90, 150))}人 问题没有 体温都正常"),
        ("10:45", GRID, "wxid_huang_grid", f"网格：阳光网格\n走访户数：{r(25, 45)}\n排查人数：{r(80, 130)}\n发现问题：{r(0, 2)}\n已整改：0\n发热：0"),
        ("11:00", GRID, "wxid_huang_grid", "今天下雨，入户的少一些"),
        ("12:10", PROPERTY, "wxid_wang_cuiyuan", "中午的盒饭到了吗？"),
        ("14:00", PROPERTY, "wxid_admin_zhou", "下发口罩500个，各小区下午3点后到局里一楼领取"),
        ("14:05", PROPERTY, "wxid_li_yangguang", "好的，马上去领"),
        ("15:30", GRID, "wxid_zhang_grid", "还在走访，晚点报"),
        ("16:00", OFFICIALS, "wxid_admin_zhou", "今天的汇总晚点发给领导"),
        ("16:20", SITES, "wxid_liu_yizhong", "请问复工报备要交哪些材料？"),
        ("16:25", SITES, "wxid_admin_zhou", "报送格式：\n项目名称：XX项目\n施工单位：XX公司\n计划复工日期：X月X日\n复工人数：XX人"),
        ("17:00", PROPERTY, "wxid_zhao_jinxiu", "辛苦大家了🙏"),
        ("17:30", OFFICIALS, "wxid_admin_zhou", "收到"),
    ]
    return msgs


def special(rng: random.Random, days: list[dt.date]) -> dict[dt.date, list[tuple[str, str, str, str]]]:
    r = rng.randint
    d0, d1, d2, d3 = days[0], days[1], days[2], days[3]
    table = (f"{d1.month}月{d1.day}日 金山街道小区防控日报（代报）\n小区名称\t测温人数\t外来登记\t体温异常\t是否消杀\n"
             f"翠园小区\t{r(300, 400)}\t{r(5, 20)}\t0\t是\n阳光花园小区\t{r(200, 260)}\t{r(3, 9)}\t0\t是\n"
             f"锦绣华庭\t{r(90, 130)}\t{r(1, 9)}\t0\t是\n幸福里小区\t{r(80, 120)}\t{r(1, 6)}\t0\t是")
    jielong = (f"#接龙\n{d2.month}月{d2.day}日小区日报接龙\n例：XX小区 测温XX 体温异常X 已消杀\n"
               f"1. 翠园小区 测温{r(300, 400)} 体温异常0 已消杀\n2. 阳光花园小区 测温{r(200, 260)} 体温异常0 已消杀\n"
               f"3. 锦绣华庭 测温{r(90, 130)} 体温异常0 已消杀")
    return {
        d0: [("08:25", PROPERTY, "wxid_wang_cuiyuan", "翠园小区 测温320 体温异常1人（已送发热门诊） 已消杀")],
        d1: [("11:10", PROPERTY, "wxid_admin_zhou", table)],
        d2: [("08:35", PROPERTY, "wxid_zhao_jinxiu", jielong)],
        d3: [("08:15", PROPERTY, "wxid_sun_xingfu", f"补报昨天的：幸福里小区 测温{r(80, 120)}人 体温异常0 已消杀"),
             ("08:16", PROPERTY, "wxid_li_yangguang", f"锦绣华庭：测温{r(90, 130)}，体温异常0；阳光花园小区：测温{r(200, 260)}，"
                                                       "体温异常0\n以上小区均已消杀")],
    }


def main() -> None:
    rng = random.Random(7)
    days = [dt.date(2020, 2, 24) + dt.timedelta(days=i) for i in range(7)]
    extra = special(rng, days)
    rows = []
    for day in days:
        for hhmm, room, sender, text in day_messages(rng, day) + extra.get(day, []):
            if day == days[2] and (hhmm, sender) == ("08:52", "wxid_sun_xingfu"):
                continue  # 幸福里 misses this day, and files it the next morning (补报昨天的)
            rows.append((f"{day.isoformat()} {hhmm}:00", room, sender, PEOPLE[sender], text))
    rows = sorted(rows, key=lambda row: row[0])[:200]
    out = Path(__file__).with_name("group-history.csv")
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "room", "sender_id", "sender_name", "text"])
        w.writerows(rows)
    print(f"{len(rows)} messages written to {out}")


if __name__ == "__main__":
    main()
