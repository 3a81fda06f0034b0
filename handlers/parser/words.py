"""The words of the language people report in that belong to no one template: greetings, lead-ins,
closings, filler around labels, approximations, measure words. Data, not rules: a deployment may
extend them under `reading:` in config.yaml (bot/config.py merges them)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, eq=False)  # identity hash: a cache key, compared cheaply
class ReadingWords:
    # removed from a label without comment: 今日测温人数 is 测温, 在岗 is 在岗人数, 小区名 is 小区
    quiet_prefixes: tuple[str, ...] = ("今日", "今天", "本日", "当日", "当天", "每日", "全天")
    quiet_suffixes: tuple[str, ...] = ("人数", "户数", "人次", "数量", "总数", "名称", "合计", "数", "名")
    # removed too, but then the receipt says how the label was read («今日体温检测»按测温人数记)
    fillers: tuple[str, ...] = ("检测", "监测", "情况", "统计", "累计", "共计", "总计")
    # a first line like 各位领导好，翠园小区今日情况汇报： names the unit once these are taken away
    greetings: tuple[str, ...] = ("各位领导好", "领导们好", "各位领导", "大家好", "您好", "领导好", "各位好", "各位")
    lead_words: tuple[str, ...] = (
        "今日情况", "今天情况", "情况汇报", "工作汇报", "防控情况", "疫情防控", "防控工作", "汇报如下", "报告如下",
        "现将", "现报", "汇报", "如下", "报告", "报备", "报送", "上报", "今日", "今天", "情况", "数据", "信息",
        "汇总", "统计", "日报", "特此", "防控", "疫情", "巡查", "的",
    )
    # whole lines that close a message and carry nothing: 请审阅, 谢谢
    closings: tuple[str, ...] = (
        "请领导审阅", "请各位领导审阅", "请审阅", "请查收", "请领导指示", "请指示", "谢谢", "谢谢领导", "辛苦了",
        "以上", "以上情况", "特此报告", "完毕", "汇报完毕", "收到",
    )
    # a line starting so is a notice to many, not a report: 请各小区…
    notice_starts: tuple[str, ...] = ("请", "各小区", "各工地", "各网格", "各单位", "通知", "关于", "提醒", "明天", "明日")
    # 约356人, 30余人, 50人左右
    approx_before: tuple[str, ...] = ("大约", "大概", "约为", "约合", "约", "共计", "总共", "总计", "合计", "累计", "共", "计",
                                      "近")
    approx_mid: tuple[str, ...] = ("余", "多", "来")
    approx_after: tuple[str, ...] = ("左右", "上下", "以上", "余", "多", "来")
    # what may follow a number: its unit of measure (a field may declare which of these it counts in)
    measures: tuple[str, ...] = (
        "人次", "个人", "人", "名", "位", "户", "家", "个", "只", "片", "副", "箱", "盒", "包", "袋", "桶", "瓶", "壶",
        "升", "公升", "毫升", "斤", "公斤", "千克", "kg", "L", "l", "把", "支", "台", "套", "处", "项", "起", "条",
        "份", "例", "次", "栋", "幢", "辆", "间", "件", "张", "顶", "块", "天", "小时", "批",
    )
    # words that go on a name after a number: 1网格, 3号楼, 二期 (a number before them is no value)
    name_parts: tuple[str, ...] = ("网格", "号", "期", "栋", "幢", "楼", "单元", "社区", "区", "组", "村", "标段", "地块",
                                   "苑", "小区", "街", "路", "巷", "院", "厂", "车间", "队", "班")
    # a name at the start of a sentence ends before these (月塘名都今日对…, X项目于2月17日…, X工程共有…)
    name_ends: tuple[str, ...] = ("今日", "今天", "昨日", "昨天", "上午", "下午", "全天", "于", "共有", "共计", "共", "对")
    # after a name they are who runs it, not part of it (C8.4)
    org_words: tuple[str, ...] = ("物业服务中心", "物业管理处", "物业服务公司", "物业公司", "物业", "项目部", "指挥部")
    # a unit named only as "mine": the unit field is missing (C8.5)
    self_references: tuple[str, ...] = ("我们小区", "我小区", "本小区", "我们项目", "我项目", "本项目", "本工地", "我工地",
                                        "我们工地", "我网格", "本网格", "我们网格")
    # a number in these units counts something else: times, temperatures (C8.6)
    not_counts: tuple[str, ...] = ("次", "℃", "°C", "度", "遍", "趟")
    # what follows these breaks down a figure already given (其中管理人员9人): no new values (C9.1)
    breakdown_marks: tuple[str, ...] = ("其中:", "其中", "含")
    # a test's result is no count (核酸检测：均为阴性) — C9.4
    results: tuple[str, ...] = ("阴性", "阳性")
    # the first line of a WeChat 接龙 (group solitaire)
    jielong_marks: tuple[str, ...] = ("#接龙", "#group note", "#groupnote")
    # lines of a 接龙 that show the format, not an entry
    example_marks: tuple[str, ...] = ("例如", "例", "格式", "示例", "样例", "模板")

    def extended(self, extra: dict[str, list[str]]) -> ReadingWords:
        """These words plus a deployment's own (config `reading:`), longest first where order matters."""
        merged = {k: tuple(dict.fromkeys([*getattr(self, k), *v])) for k, v in extra.items()}
        return replace(self, **merged)


DEFAULT_WORDS = ReadingWords()
WORD_LISTS = tuple(f.name for f in fields(ReadingWords))
