"""The city's machine-API clients (接口客户端) in the demo: the public service platform's bridge to the
单一窗口 and an overseas warehouse's WMS, made by ``admin.<city>`` as on the clients page, and an old ERP
link the admin has revoked. Their secrets are thrown away (a secret is shown once): whoever wants to
call the API makes a client of their own on the page or with ``pilotzone clients create``."""

from __future__ import annotations

from pilotzone.api.clients import create, revoke
from pilotzone.api.codes import Scope
from pilotzone.demo_work.people import Cast, act

CLIENTS = (
    ("公共服务平台·单一窗口数据桥（演示）", (Scope.TRADE_WRITE, Scope.TRADE_READ, Scope.REGISTRY_READ), False),
    ("海外仓 WMS 对接（演示）", (Scope.WAREHOUSE_WRITE,), False),
    ("企业 ERP 旧接口（演示，已停用）", (Scope.TRADE_WRITE,), True),
)


async def seed(people: Cast) -> int:
    """The clients as the city's admin; how many were made."""
    admin = people["admin"]
    act(admin)
    for name, scopes, revoked in CLIENTS:
        made = await create(name, scopes, created_by=admin.user_id)
        if revoked:
            await revoke(made.client.id, revoked_by=admin.user_id)
    return len(CLIENTS)
