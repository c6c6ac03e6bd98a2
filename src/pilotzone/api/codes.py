"""The scopes a machine client may be granted."""

from __future__ import annotations

from pilotzone.codes import Coded


class Scope(Coded):
    TRADE_WRITE = "trade:write", "报送贸易数据", "Submit trade figures"
    TRADE_READ = "trade:read", "读取贸易数据", "Read trade figures"
    REGISTRY_READ = "registry:read", "查询企业信息", "Read enterprise records"
    WAREHOUSE_WRITE = "warehouse:write", "报送海外仓运营数据", "Submit overseas-warehouse operations"


def scopes_of(text: str) -> tuple[Scope, ...] | None:
    """``"a,b"`` or ``"a b"`` → the scopes in enum order; None when one is unknown or none is given."""
    wanted = {part.strip() for part in text.replace(",", " ").split() if part.strip()}
    if not wanted or wanted - set(Scope.values()):
        return None
    return tuple(scope for scope in Scope if scope.value in wanted)
