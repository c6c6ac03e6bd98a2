"""The roles a user holds: five in a pilot zone (a membership), two at the province (``pz_user.province_role``)."""

from __future__ import annotations

from pilotzone.codes import Coded


class Role(Coded):
    PROVINCE_ADMIN = "province_admin", "省级管理员", "Provincial administrator"
    PROVINCE_VIEWER = "province_viewer", "省级查看员", "Provincial viewer"
    BUREAU_ADMIN = "bureau_admin", "商务局管理员", "Bureau administrator"
    BUREAU_REVIEWER = "bureau_reviewer", "商务局审核员", "Bureau reviewer"
    DISTRICT_REVIEWER = "district_reviewer", "区级审核员", "District reviewer"
    PARK_OPERATOR = "park_operator", "园区运营方", "Park operator"
    ENTERPRISE_USER = "enterprise_user", "企业用户", "Enterprise user"


# a membership's role (membership.role) and a provincial user's role (pz_user.province_role)
TENANT_ROLES = (
    Role.BUREAU_ADMIN,
    Role.BUREAU_REVIEWER,
    Role.DISTRICT_REVIEWER,
    Role.PARK_OPERATOR,
    Role.ENTERPRISE_USER,
)
PROVINCE_ROLES = (Role.PROVINCE_ADMIN, Role.PROVINCE_VIEWER)


def in_sql(roles: tuple[Role, ...]) -> str:
    """``'a', 'b'`` for ``IN (…)`` over a subset of the roles (the CHECK constraints use it)."""
    return ", ".join(f"'{role.value}'" for role in roles)
