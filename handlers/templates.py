"""Report templates: pure data, loaded from config.yaml.

A new report type or a new field is a config change; nothing here names a field.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FieldType(str, Enum):
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    ENUM = "enum"
    TEXT = "text"


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    synonyms: list[str] = Field(min_length=1)
    type: FieldType
    required: bool = False
    label: str | None = None
    # enum only: value -> words that mean it
    words: dict[str, list[str]] = Field(default_factory=dict)
    # short label used in receipts, e.g. 测温 (defaults to the first synonym)
    short: str | None = None
    # bool only: how a receipt says yes / no, e.g. 已消杀 / 未消杀 (not `yes:`/`no:`: YAML reads those as booleans)
    when_true: str | None = None
    when_false: str | None = None
    # units of measure the field counts in (人, 户): settle 排查175人 vs 排查60户, flag a mismatch
    measures: list[str] = Field(default_factory=list)
    # a value as one would type it -> phrases that state it without a label (是: [已消杀, 消杀已完成])
    phrases: dict[str, list[str]] = Field(default_factory=dict)
    # int only: a larger value is refused as 数值过大
    max: int = Field(default=1_000_000, gt=0)
    # a plausible value shown in examples (the 接龙 prompt, the grid questions): 320, 0, 是
    example: str | None = None
    # the value may name or reach a person (负责人, 联系电话, 备注): cleared after retention.named_values_days
    personal: bool = False

    @model_validator(mode="after")
    def _enum_has_words(self) -> TemplateField:
        if self.type is FieldType.ENUM and not self.words:
            raise ValueError(f"enum field '{self.key}' needs 'words'")
        if self.type is not FieldType.ENUM and self.words:
            raise ValueError(f"only enum fields take 'words' (field '{self.key}')")
        return self

    @property
    def display(self) -> str:
        """The label shown to people when asking for this field."""
        return self.label or self.synonyms[0]

    @property
    def brief(self) -> str:
        return self.short or self.synonyms[0]


class Roles(BaseModel):
    """What fields mean to the bureau, so receipts, anomalies, rates and the board need no field key
    in code: a fourth kind with other fields gets them from config alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # an int counting people to act on: above 0 it is an anomaly (体温异常人数)
    warning: str | None = None
    # a yes/no whose share of reports the summary shows (是否消杀 -> 消杀完成率)
    done: str | None = None
    # an enum telling whether work goes on, and its value that means it does (复工情况: resumed)
    status: str | None = None
    resumed: str | None = None
    # a filing's date: a daily report saying `resumed` before it is flagged (计划复工日期)
    planned_date: str | None = None
    # counts checked against the returning workers' register: back today (返岗), tested so far (核酸),
    # health records made so far (建档)
    returned: str | None = None
    tested: str | None = None
    records: str | None = None


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    name: str
    title_words: list[str] = Field(default_factory=list)
    unit_field: str
    # the field holding the report's day; absent from a message it means today
    date_field: str | None = None
    fields: list[TemplateField] = Field(min_length=1)
    prompt_order: list[str] = Field(default_factory=list)
    # the text field that keeps what people said around a value (体温异常1人（已送发热门诊）)
    notes_field: str | None = None
    roles: Roles = Field(default_factory=Roles)

    @model_validator(mode="after")
    def _roles_fit(self) -> Template:
        want = {"warning": FieldType.INT, "done": FieldType.BOOL, "status": FieldType.ENUM,
                "planned_date": FieldType.DATE}
        types = {f.key: f for f in self.fields}
        for role, kind in want.items():
            key = getattr(self.roles, role)
            if key is not None and (key not in types or types[key].type is not kind):
                raise ValueError(f"roles.{role} '{key}' must be one of this template's {kind.value} fields")
        if self.roles.status is not None and self.roles.resumed not in types[self.roles.status].words:
            raise ValueError(f"roles.resumed must be one of the values of '{self.roles.status}'")
        return self

    @model_validator(mode="after")
    def _keys_are_known(self) -> Template:
        keys = [f.key for f in self.fields]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate field keys: {', '.join(dupes)}")
        if self.unit_field not in keys:
            raise ValueError(f"unit_field '{self.unit_field}' is not one of the fields")
        if self.date_field is not None and self.date_field not in keys:
            raise ValueError(f"date_field '{self.date_field}' is not one of the fields")
        if self.date_field is not None and self.field(self.date_field).type is not FieldType.DATE:
            raise ValueError(f"date_field '{self.date_field}' must have type date")
        if self.notes_field is not None and (self.notes_field not in keys
                                             or self.field(self.notes_field).type is not FieldType.TEXT):
            raise ValueError(f"notes_field '{self.notes_field}' must be one of the text fields")
        unknown = [k for k in self.prompt_order if k not in keys]
        if unknown:
            raise ValueError(f"prompt_order names unknown fields: {', '.join(unknown)}")
        return self

    def role_field(self, role: str) -> TemplateField | None:
        key = getattr(self.roles, role)
        return None if key is None else self.field(key)

    def field(self, key: str) -> TemplateField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def required_keys(self) -> list[str]:
        return [f.key for f in self.fields if f.required]

    def prompt_fields(self) -> list[TemplateField]:
        """Fields asked for in a prompt, in order (all but unit and date by default)."""
        if self.prompt_order:
            return [self.field(k) for k in self.prompt_order]
        return [f for f in self.fields if f.key not in (self.unit_field, self.date_field)]
