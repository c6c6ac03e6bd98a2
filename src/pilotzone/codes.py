"""Stored codes as ``StrEnum``s whose members carry their zh-CN and English labels.

The bottom of the layers (imports nothing of pilotzone): tables use the enums for their columns'
``choices`` and for the CHECK constraints the raw-SQL migrations create (:func:`check_sql`); pages
show ``member.label(locale)`` (the template filter ``label`` in ``web``), never the member itself.

    class ApplicationState(Coded):
        DRAFT = "draft", "草稿", "Draft"
        SUBMITTED = "submitted", "已提交", "Submitted"
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Coded(StrEnum):
    """A code stored as text; each member is ``NAME = "value", "中文标签", "English label"``."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh or value
        member.en = en or value
        return member

    def label(self, locale: str = "zh_CN") -> str:
        """The label in ``locale`` (``zh…`` → Chinese, anything else → English)."""
        return self.zh if locale.lower().startswith("zh") else self.en

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def sql_list(cls) -> str:
        """``'a', 'b', …`` for ``IN (…)`` in SQL written by the code (values are identifiers, no quotes)."""
        return ", ".join(f"'{value}'" for value in cls.values())


def check_sql(table: str, column: str, codes: type[Coded], *, nullable: bool = False) -> list[str]:
    """Statements that (re)create the CHECK constraint ``<table>_<column>_code`` from ``codes``;
    run by raw-SQL migrations, so the database refuses a value the enum does not know."""
    name = f"{table}_{column}_code"
    rule = f'"{column}" IN ({codes.sql_list()})'
    if nullable:
        rule = f'"{column}" IS NULL OR {rule}'
    return [
        f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"',
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({rule})',
    ]


class CustomsMode(Coded):
    """The customs supervision modes of cross-border e-commerce (海关监管方式), the options schemes offer
    for an applicant's business mode; a value stored without its scheme's option labels reads by these."""

    B2C_9610 = "b2c_9610", "跨境电商零售出口（9610）", "Retail export (9610)"
    B2B_9710 = "b2b_9710", "跨境电商B2B直接出口（9710）", "B2B direct export (9710)"
    B2B_9810 = "b2b_9810", "跨境电商出口海外仓（9810）", "Export via overseas warehouse (9810)"
    BONDED_1210 = "bonded_1210", "保税跨境贸易电子商务（1210）", "Bonded e-commerce (1210)"
