"""The baseline for bench/pages.py: one Litestar handler, an asyncpg pool, the same 50-row table."""

from __future__ import annotations

import os

import asyncpg
from jinja2 import Environment
from litestar import Litestar, MediaType, get

TENANT_ID = int(os.environ.get("BENCH_TENANT_ID", "0"))
TABLE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>园区</title></head><body><main>
<table class="table"><thead><tr><th>名称</th><th>类型</th><th>所在区</th></tr></thead><tbody>
{% for p in parks %}<tr><td><a href="/bare/{{ p.id }}">{{ p.name_zh }}</a></td><td>{{ p.kind }}</td>
<td>{{ p.district_code }}</td></tr>
{% endfor %}</tbody></table><p>第 {{ page }} 页，共 {{ pages }} 页</p></main></body></html>"""
)
state: dict[str, asyncpg.Pool] = {}


async def startup() -> None:
    state["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=10, max_size=10)


@get("/bare", media_type=MediaType.HTML)
async def bare(page: int = 1) -> str:
    async with state["pool"].acquire() as conn:
        total = await conn.fetchval(
            "SELECT count(*) FROM park WHERE tenant_id = $1 AND status <> 'retired'", TENANT_ID
        )
        parks = await conn.fetch(
            "SELECT id, key, name_zh, name_en, kind, district_code, status FROM park "
            "WHERE tenant_id = $1 AND status <> 'retired' ORDER BY id LIMIT 50 OFFSET $2",
            TENANT_ID,
            (page - 1) * 50,
        )
    return TABLE.render(parks=parks, page=page, pages=-(-total // 50))


app = Litestar(route_handlers=[bare], on_startup=[startup])
