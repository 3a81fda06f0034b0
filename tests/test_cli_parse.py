from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import CONFIG, ROOT


def run(*args: str, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(CONFIG), "parse", *args],
        input=text, capture_output=True, text=True, check=False, cwd=ROOT,
    )


def test_done_when_example() -> None:
    proc = run("--kind", "property", "--today", "2020-02-26", text="小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {"reports": [{
        "template": "property_daily",
        "fields": {"community": "翠园小区", "residents_screened": 356, "fever_cases": 0, "disinfected": True, "date": "2020-02-26"},
        "missing": [], "invalid": [], "unknown": [],
    }]}


def test_not_a_report_prints_empty_list() -> None:
    proc = run("--kind", "property", text="收到")
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"reports": []}


def test_invalid_shape() -> None:
    proc = run("--kind", "property", "--today", "2020-02-26", text="小区：翠园\n测温：若干\n消杀：是")
    (report,) = json.loads(proc.stdout)["reports"]
    assert report["missing"] == ["fever_cases"]
    assert report["invalid"] == [{"field": "residents_screened", "value": "若干", "reason": "不是数字"}]


def test_reply_to() -> None:
    proc = run("--kind", "grid", "--reply-to", "grid_daily", "--unit", "翠园网格", "--today", "2020-02-26", text="35，120，2，1，0")
    (report,) = json.loads(proc.stdout)["reports"]
    assert report["fields"]["grid"] == "翠园网格" and report["fields"]["households_visited"] == 35
    assert report["fields"]["fever_cases"] == 0


def test_binary_garbage_is_still_read() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(CONFIG), "parse", "--kind", "property"],
        input=b"\xff\xfe\x00abc", capture_output=True, check=False,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"reports": []}


def test_unknown_reply_template_exits_2() -> None:
    proc = run("--kind", "grid", "--reply-to", "nope", "--unit", "x", text="1")
    assert proc.returncode == 2 and "unknown template 'nope'" in proc.stderr


def test_issue_7_done_when_example() -> None:
    text = "小区名：翠园小区\n测温：356人\n体温异常：1人（已送发热门诊）\n消杀：✅"
    (report,) = json.loads(run("--kind", "property", "--today", "2020-02-26", text=text).stdout)["reports"]
    assert report["fields"]["community"] == "翠园小区" and report["fields"]["fever_cases"] == 1
    assert report["invalid"] == [] and report["missing"] == []
    assert "已送发热门诊" in report["fields"]["notes"]


def test_the_three_one_line_reports_are_complete() -> None:
    for kind, text in [("property", "翠园小区 2月26日 测温320人 体温异常0 已消杀"),
                       ("property", "翠园小区、测温320、体温异常0、已消杀"),
                       ("construction", "滨江壹号 已复工 在岗120人 体温异常0")]:
        (report,) = json.loads(run("--kind", kind, "--today", "2020-02-26", text=text).stdout)["reports"]
        assert report["missing"] == [] and report["invalid"] == [], (text, report)


def test_structure_alone_without_config_and_registry_with_it() -> None:
    text = "王经理报：翠园 测温320 体温异常0 已消杀"
    env = {k: v for k, v in __import__("os").environ.items() if k != "WXBOT_CONFIG"}
    alone = subprocess.run([sys.executable, "-m", "bot", "parse", "--kind", "property", "--today", "2020-02-26"],
                           input=text, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    (guess,) = json.loads(alone.stdout)["reports"]
    (known,) = json.loads(run("--kind", "property", "--today", "2020-02-26", text=text).stdout)["reports"]
    assert "community" not in guess["fields"] and guess["missing"] == ["community"]
    assert known["fields"]["community"] == "翠园" and known["missing"] == []
