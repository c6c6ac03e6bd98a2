"""Enterprise search by 2- and 3-character grams: the trigger keeps the grams exact under RLS (as the app
role), the gram lookup gives what the plain LIKE gives, and the lookup is an index condition."""

from __future__ import annotations

import random
import re

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.registry.services import enterprise_search, narrowing_grams, query_grams, search_grams
from pilotzone.registry.uscc import with_check

ALPHABET = "贸易科技物流网络进出口"  # few characters: grams present, substring absent happens often
CITIES = ("广州", "汕头", "佛山")


async def _app_tx(app_dsn: str, tenant_id: int) -> tuple[asyncpg.Connection, asyncpg.transaction.Transaction]:
    conn = await asyncpg.connect(app_dsn)
    tx = conn.transaction()
    await tx.start()
    await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
    return conn, tx


async def _grams_of(conn: asyncpg.Connection, enterprise_id: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT gram FROM enterprise_search_gram WHERE enterprise_id = $1 ORDER BY gram", enterprise_id
    )
    return [r["gram"] for r in rows]


def test_grams_of_a_text() -> None:
    assert search_grams("贸易贸易") == sorted({"贸易", "易贸", "贸易贸", "易贸易"})
    assert search_grams("a") == [] and search_grams("") == []
    assert search_grams("ab c") == sorted(["ab", "b ", " c", "ab ", "b c"])
    assert query_grams("佛山市物流") == ["佛山市", "山市物", "市物流"] and query_grams("物流") == ["物流"]
    assert query_grams("a") == []


async def test_trigger_keeps_grams_exact_as_the_app_role(app_dsn, tenants) -> None:
    conn, tx = await _app_tx(app_dsn, tenants["shantou"])
    try:
        code = with_check("91440500MA5GRAM00")
        eid = await conn.fetchval(
            "INSERT INTO enterprise (tenant_id, name, uscc) VALUES ($1, '汕头测试贸易', $2) RETURNING id",
            tenants["shantou"],
            code,
        )
        text = f"汕头测试贸易 {code.lower()}"
        assert await _grams_of(conn, eid) == sorted(search_grams(text))
        assert await conn.fetchval(
            "SELECT array_agg(g ORDER BY g) FROM unnest(pz_search_grams($1)) g", text
        ) == sorted(search_grams(text))
        await conn.execute("UPDATE enterprise SET name = 'Shantou Tech 科技' WHERE id = $1", eid)
        assert await _grams_of(conn, eid) == sorted(search_grams(f"shantou tech 科技 {code.lower()}"))
        await conn.execute("UPDATE enterprise SET credit_status = 'watch' WHERE id = $1", eid)  # no change
        assert await _grams_of(conn, eid) == sorted(search_grams(f"shantou tech 科技 {code.lower()}"))
        await conn.execute("DELETE FROM enterprise WHERE id = $1", eid)
        assert await _grams_of(conn, eid) == []
    finally:
        await tx.rollback()
        await conn.close()


async def test_every_enterprise_has_exactly_its_grams(owner) -> None:
    """The backfill and the trigger together: the gram table is the grams of search_text, no more."""
    drift = await owner.fetchval(
        """
        WITH want AS (SELECT e.tenant_id, g AS gram, e.id AS enterprise_id
                      FROM enterprise e, unnest(pz_search_grams(e.search_text)) g),
             have AS (SELECT tenant_id, gram, enterprise_id FROM enterprise_search_gram)
        SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM have)
                              UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d
        """
    )
    assert drift == 0
    assert await owner.fetchval("SELECT count(*) FROM enterprise_search_gram") > 0


def _name(rng: random.Random) -> str:
    words = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 9)))
    latin = rng.choice(["", " Cross-Border", " ABC Trade", " Ab Ba", " GZ-E-Commerce"])
    return f"{rng.choice(CITIES)}市{words}{latin}有限公司"


def _queries(rng: random.Random, texts: list[str]) -> list[str]:
    out: list[str] = []
    for _ in range(150):  # substrings of real names and codes, 1-8 characters, mixed case
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        q = text[start : start + rng.randint(1, 8)]
        out.append("".join(c.upper() if rng.random() < 0.5 else c for c in q))
    for _ in range(150):  # made-up Chinese of 3-6 characters: many have every gram but not the text
        out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 6))))
    for _ in range(60):  # digits and letters of credit codes, Latin words
        out.append("".join(rng.choice("0123456789MA") for _ in range(rng.randint(2, 6))))
        out.append(rng.choice(["ab", "BA", "ab ba", "trade", "TRADE co", "e-c", "%", "_a", "a\\b", "司 9"]))
    return out


async def test_gram_search_equals_the_plain_like(app_dsn, tenants) -> None:
    rng = random.Random(20261201)
    conn, tx = await _app_tx(app_dsn, tenants["foshan"])
    try:
        records = [
            (tenants["foshan"], _name(rng), with_check(f"914406{rng.randrange(10**11):011d}"))
            for _ in range(300)
        ]
        await conn.executemany("INSERT INTO enterprise (tenant_id, name, uscc) VALUES ($1, $2, $3)", records)
        texts = [r[1] for r in records] + [r[2] for r in records]
        narrowed = matched = subsets = 0
        for q in _queries(rng, texts):
            plain = await conn.fetch(
                "SELECT id FROM enterprise WHERE search_text LIKE $1 ORDER BY id",
                enterprise_search("TRUE", [], q, [])[1][-1],
            )
            want = [r["id"] for r in plain]
            every = search_grams(q.lower())
            # all grams; those the page picks; those it picks when grams in 40 enterprises count as common
            for grams in (
                every,
                await narrowing_grams(conn.fetch, q),
                await narrowing_grams(conn.fetch, q, cap=40),
            ):
                where, args = enterprise_search("TRUE", [], q, grams)
                sql = f"SELECT id FROM enterprise WHERE {where} ORDER BY id"  # noqa: S608 - our own condition
                assert [r["id"] for r in await conn.fetch(sql, *args)] == want, (q, grams)
                subsets += 0 < len(grams) < len(every)
            matched += bool(want)
            if every:  # how many the grams alone let through: more than match, sometimes
                candidates = await conn.fetchval(
                    "SELECT count(*) FROM (SELECT enterprise_id FROM enterprise_search_gram "
                    "WHERE gram = ANY($1::text[]) GROUP BY enterprise_id HAVING count(*) = $2) c",
                    every,
                    len(every),
                )
                narrowed += candidates > len(want)
        # hits, work for the LIKE (3-character grams let few non-matches through: 5 of these queries),
        # partial gram sets
        assert matched > 100 and narrowed > 3 and subsets > 10
    finally:
        await tx.rollback()
        await conn.close()


@pytest.mark.parametrize("q", ["贸易科技", "91440101"])
async def test_gram_lookup_is_an_index_condition_under_rls(app_dsn, tenants, q) -> None:
    conn, tx = await _app_tx(app_dsn, tenants["guangzhou"])
    try:
        assert not await conn.fetchval(
            "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        await conn.execute("SET LOCAL enable_seqscan = off")  # the question is whether the index *can* serve
        where, args = enterprise_search("status = 'active'", [], q, search_grams(q))
        sql = f"EXPLAIN SELECT id FROM enterprise WHERE {where}"  # noqa: S608 - our own condition
        plan = "\n".join(r[0] for r in await conn.fetch(sql, *args))
        assert "enterprise_search_gram_key" in plan, plan
        index_cond = [line for line in plan.splitlines() if "Index Cond" in line and "gram" in line]
        assert index_cond and "ANY" in index_cond[0], plan
    finally:
        await tx.rollback()
        await conn.close()


@pytest.fixture
async def searchable(owner):  # type: ignore[no-untyped-def]
    """45 active enterprises named 测试检索NN号… in guangzhou (10 in the demo operator's park, 9 with
    Latin letters), 3 pending ones and 2 in foshan with the same words."""
    park = await owner.fetchval(
        'SELECT m.park FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("park", "guangzhou"),
    )
    await factories.enterprises(
        "guangzhou",
        [
            {
                "name": f"测试检索{i:02}号{'ABC Trade ' if i % 5 == 0 else ''}贸易有限公司",
                "uscc": with_check(f"91440101MA9T{i:05d}"),
                "park": park if i < 10 else None,
            }
            for i in range(45)
        ]
        + [
            {"name": f"测试检索待审{i}号", "uscc": with_check(f"91440101MA9P{i:05d}"), "status": "pending"}
            for i in range(3)
        ],
    )
    await factories.enterprises(
        "foshan",
        [{"name": f"测试检索佛山{i}号", "uscc": with_check(f"91440601MA9F{i:05d}")} for i in range(2)],
    )
    yield
    await owner.execute("DELETE FROM enterprise WHERE name LIKE '测试检索%'")


def _found(html: str) -> set[str]:
    return set(re.findall(r">(测试检索[^<]*)</a>", html))


async def test_filtered_list_pages_counts_and_scopes(admin_gz, as_user, searchable) -> None:
    seen: set[str] = set()
    for number in (1, 2, 3):
        page = await admin_gz.get("/z/guangzhou/enterprises/", params={"q": "测试检索", "page": number})
        assert "第 " + str(number) + " 页，共 3 页" in page.text
        seen |= _found(page.text)
    assert len(seen) == 45 and not any("待审" in n or "佛山" in n for n in seen)
    past = await admin_gz.get("/z/guangzhou/enterprises/", params={"q": "测试检索", "page": 99})
    assert len(_found(past.text)) == 5 and "第 3 页，共 3 页" in past.text  # the last page
    latin = await admin_gz.get("/z/guangzhou/enterprises/", params={"q": "abc tRADE"})
    assert len(_found(latin.text)) == 9
    code = await admin_gz.get("/z/guangzhou/enterprises/", params={"q": "ma9t00012"})
    assert _found(code.text) == {"测试检索12号贸易有限公司"}
    one = await admin_gz.get(
        "/z/guangzhou/enterprises/", params={"q": "检", "page": 3}
    )  # one character: a scan
    assert len(_found(one.text)) >= 5
    async with as_user(demo("park", "guangzhou")) as client:
        mine = await client.get("/z/guangzhou/enterprises/", params={"q": "测试检索"})
        assert len(_found(mine.text)) == 10  # the scope holds under the filter
