"""The codes of trade figures: customs mode (by its four digits), direction and where a figure came from.

Stored as text, CHECKed in the database (``migrations/trade/*_raw.py``), shown by their labels.
"""

from __future__ import annotations

from pilotzone.codes import Coded, CustomsMode


class Mode(Coded):
    """The customs supervision modes of cross-border e-commerce (海关监管方式代码), stored by their digits
    as the customs statistics and the single window write them."""

    M9610 = "9610", "跨境电商零售（9610）", "Cross-border retail (9610)"
    M9710 = "9710", "跨境电商B2B直接出口（9710）", "B2B direct export (9710)"
    M9810 = "9810", "跨境电商出口海外仓（9810）", "Export via overseas warehouse (9810)"
    M1210 = "1210", "保税跨境贸易电子商务（1210）", "Bonded e-commerce (1210)"
    M1239 = "1239", "保税跨境贸易电子商务A（1239）", "Bonded e-commerce A (1239)"


class Direction(Coded):
    EXPORT = "export", "出口", "Export"
    IMPORT = "import", "进口", "Import"


class Source(Coded):
    """Where a figure came from; each source keeps its own value for a key (reconciliation compares them)."""

    RETURN = "return", "企业统计月报", "Enterprise monthly return"
    OFFICIAL = "official", "官方数据（单一窗口/海关）", "Official (single window / customs)"
    API = "api", "接口报送", "API client"


class BatchStatus(Coded):
    RUNNING = "running", "处理中", "Running"
    DONE = "done", "已完成", "Done"
    REFUSED = "refused", "已拒绝（未写入）", "Refused (nothing written)"


# the mode and direction pairs that exist: 9610 covers retail export and direct-purchase import, 9710 and
# 9810 are export only, 1210 bonded export and import, 1239 bonded import only
COMBINATIONS: frozenset[tuple[Mode, Direction]] = frozenset(
    {
        (Mode.M9610, Direction.EXPORT),
        (Mode.M9610, Direction.IMPORT),
        (Mode.M9710, Direction.EXPORT),
        (Mode.M9810, Direction.EXPORT),
        (Mode.M1210, Direction.EXPORT),
        (Mode.M1210, Direction.IMPORT),
        (Mode.M1239, Direction.IMPORT),
    }
)

_MODES = {member.value: member for member in Mode}
# the codes schemes and programs store for a business mode (pilotzone.codes.CustomsMode: "b2c_9610")
_MODES.update({member.value: _MODES[member.value.rsplit("_", 1)[1]] for member in CustomsMode})
_DIRECTIONS = {
    "export": Direction.EXPORT,
    "出口": Direction.EXPORT,
    "import": Direction.IMPORT,
    "进口": Direction.IMPORT,
}


def mode_of(text: str) -> Mode | None:
    """A mode from what a file, a form or a client wrote: ``9610`` or ``b2c_9610``; None if unknown."""
    return _MODES.get(text.strip().lower())


def direction_of(text: str) -> Direction | None:
    """``export`` / ``import`` (any case) or 出口 / 进口; None if unknown."""
    return _DIRECTIONS.get(text.strip().lower())


class GapStatus(Coded):
    """A reconciliation flag: open (over the tolerance, not explained) → explained (the bureau's note)
    or cleared (a later run found the gap within the tolerance); a changed number reopens it."""

    OPEN = "open", "待核实", "Open"
    EXPLAINED = "explained", "已说明", "Explained"
    CLEARED = "cleared", "已消除", "Cleared"
