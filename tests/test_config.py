from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import load_config
from tests.conftest import CONFIG, ROOT

GOOD = yaml.safe_load((CONFIG).read_text(encoding="utf-8"))


def test_default_config_loads_with_the_daily_templates_and_the_filing() -> None:
    cfg = load_config(CONFIG)
    assert [t.id for t in cfg.templates] == ["property_daily", "construction_daily", "resumption_filing", "grid_daily"]
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.db_url.startswith("sqlite:///") and cfg.db_url.endswith("data/wxbot.db")
    grid = cfg.template("grid_daily")
    assert [f.key for f in grid.prompt_fields()] == [
        "households_visited", "people_screened", "issues_found", "issues_rectified", "fever_cases"]
    # shared fields carry the same synonyms everywhere
    for key in ["fever_cases", "disinfected", "masks", "notes", "date"]:
        syns = {tuple(t.field(key).synonyms) for t in cfg.templates if key in [f.key for f in t.fields]}
        assert len(syns) == 1, key


def _broken(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load(yaml.safe_dump(GOOD, allow_unicode=True))
    assert callable(mutate)
    mutate(data)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _set(path: list[object], value: object) -> object:
    def mutate(data: dict) -> None:  # type: ignore[type-arg]
        node = data
        for key in path[:-1]:
            node = node[key]  # type: ignore[index]
        node[path[-1]] = value  # type: ignore[index]
    return mutate


BROKEN = [
    (_set(["timezone"], "Mars/Olympus"), "timezone: unknown time zone 'Mars/Olympus'"),
    (_set(["templates", 0, "fields", 1, "type"], "number"), "templates[property_daily].fields.1.type: Input should be"),
    (_set(["templates", 1, "unit_field"], "site"), "templates[construction_daily]: unit_field 'site' is not one of the fields"),
    (_set(["templates", 3, "prompt_order"], ["households_visited", "cats"]), "prompt_order names unknown fields: cats"),
    (_set(["templates", 0, "kind"], "school"), "templates[property_daily].kind: unknown kind 'school'"),
    (_set(["roster", 0, "unit"], "不存在小区"), "roster[王经理].unit: unknown unit '不存在小区'"),
    (_set(["roster", 0, "role"], "boss"), "roster[王经理].role: Input should be"),
    (_set(["groups", 0, "units"], ["滨江壹号项目"]), "groups[金山街道物业小区防控群].units.0: unit '滨江壹号项目' is of kind 'construction'"),
    (_set(["groups", 1], {"kind": "construction"}), "groups.1: a group needs 'room'"),
    (_set(["colour"], "blue"), "colour: Extra inputs are not permitted"),
    (lambda d: d.pop("templates"), "templates: Field required"),
    # a schedule is named by its id, not its place in the list; a typo gets a suggestion
    (_set(["schedules", 1, "action"], "remindd"), "schedules[property_remind_0900].action: Input should be"),
    (lambda d: d.update(timezon=d.pop("timezone")), "timezon: Extra inputs are not permitted (did you mean 'timezone'?)"),
    (_set(["web"], {"secure_cookie": True}), "web.secure_cookie: Extra inputs are not permitted (did you mean 'secure_cookies'?)"),
    # a prompt telling people a time other than the deadline
    (_set(["schedules", 0, "text"], "请各小区9:00前报送今日防控日报"),
     "schedules[property_prompt].text: says 9:00 but deadlines.property is 10:00"),
    (_set(["templates", 0, "roles"], {"warning": "disinfected"}),
     "templates[property_daily]: roles.warning 'disinfected' must be one of this template's int fields"),
    (_set(["units", 1, "aliases"], ["翠园"]), "units[阳光花园小区]: name or alias '翠园' is already used by '翠园小区'"),
]


@pytest.mark.parametrize("mutate,message", BROKEN, ids=[m for _, m in BROKEN])
def test_broken_config_names_the_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: object, message: str
) -> None:
    path = _broken(tmp_path, mutate)
    code = main(["--config", str(path), "parse", "--kind", "property"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_the_shipped_config_loads() -> None:
    """The deployment's config.yaml (the tests read their own copy, tests/fixtures/config.yaml)."""
    cfg = load_config(ROOT / "config.yaml")
    assert cfg.templates and cfg.schedules


def test_yaml_syntax_error_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("timezone: Asia/Shanghai\nkinds: [property\n", encoding="utf-8")
    assert main(["--config", str(path), "db", "current"]) == 2
    assert "line 3" in capsys.readouterr().err


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "nope.yaml"), "db", "current"]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_bad_config_through_the_real_command(tmp_path: Path) -> None:
    """The installed entry point: exit code 2, one message, no traceback."""
    path = _broken(tmp_path, _set(["timezone"], "Nowhere"))
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "parse", "--kind", "property"],
        input="", capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "timezone: unknown time zone 'Nowhere'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_new_template_needs_no_code(tmp_path: Path) -> None:
    """A fourth report type is a config change only."""
    data = yaml.safe_load(yaml.safe_dump(GOOD, allow_unicode=True))
    data["kinds"]["school"] = "学校"
    data["templates"].append({
        "id": "school_daily", "kind": "school", "name": "学校日报", "title_words": ["学校日报"],
        "unit_field": "school", "fields": [
            {"key": "school", "synonyms": ["学校"], "type": "text", "required": True},
            {"key": "students_back", "synonyms": ["返校人数", "返校"], "type": "int", "required": True},
        ]})
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "parse", "--kind", "school", "--today", "2020-02-26"],
        input="学校：实验小学\n返校人数：420人", capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"students_back": 420' in proc.stdout
