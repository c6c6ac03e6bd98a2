"""Pages show labels, never codes: enums label themselves; the remaining groups of LABELS translate."""

import re
from pathlib import Path

from pilotzone.auth.roles import PROVINCE_ROLES, TENANT_ROLES, Role
from pilotzone.jobs.codes import JobStatus
from pilotzone.registry.codes import ParkKind
from pilotzone.web.i18n import reset_locale, set_locale
from pilotzone.web.labels import LABELS, label

ROOT = Path(__file__).resolve().parents[2]


def test_label_of_a_member_of_a_value_and_of_a_group() -> None:
    token = set_locale("zh_CN")
    try:
        assert label(Role.BUREAU_ADMIN) == "商务局管理员"
        assert label(ParkKind, "bonded_zone") == "保税区"  # a value read from the database as text
        assert label(JobStatus, "no_such_status") == "no_such_status"  # unknown: shown as it is
        assert label("allocation", "pro_rata") == "按比例分配（精确到分）"
    finally:
        reset_locale(token)
    token = set_locale("en")
    try:
        assert label(Role, "park_operator") == "Park operator"
        assert label(JobStatus.DONE) == "done"
    finally:
        reset_locale(token)


def test_roles_split_into_tenant_and_province() -> None:
    assert set(TENANT_ROLES) | set(PROVINCE_ROLES) == set(Role)
    assert not set(TENANT_ROLES) & set(PROVINCE_ROLES)
    assert "bureau_admin" in TENANT_ROLES  # members are their values


def test_every_label_call_with_a_group_names_a_group_of_labels() -> None:
    """A group converted to an enum leaves LABELS; a call still naming it would show raw codes."""
    call = re.compile(r"""\blabel\(\s*["']([a-z_]+)["']""")
    stale = [
        f"{path.relative_to(ROOT)}: {group}"
        for pattern in ("templates/**/*.html", "src/**/*.py")
        for path in ROOT.glob(pattern)
        for group in call.findall(path.read_text(encoding="utf-8"))
        if group not in LABELS
    ]
    assert stale == [], "use label(Enum, value) or label(member)"
