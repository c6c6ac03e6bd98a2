"""Pages are valid HTML: a representative set of pages of every kind of user, rendered by the real
app and checked by the Nu HTML checker (npm `vnu-jar`, run once over all of them with Java)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from pathlib import Path

from tests.support import ROOT, demo

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

PAGES: dict[str | None, list[str]] = {
    None: [
        "/",
        "/login",
        "/z/guangzhou/",
        "/z/guangzhou/notices/",
        "/z/guangzhou/funding/notices/",
        "/z/guangzhou/register/enterprise",
        "/z/atlantis/",  # the 404 page
        "/verify/",
        "/verify/GZ-NONE-0000",
        "/z/guangzhou/policies/",
        "/z/guangzhou/policies/programs/export-reward?exports=8000&last_year_exports=6000",
        "/z/guangzhou/policies/schemes/overseas-warehouse",
    ],
    "province-admin": ["/province/", "/province/admin/users", "/province/audit", "/province/tenants/"],
    "admin.guangzhou": [
        "/z/guangzhou/dashboard/",
        "/z/guangzhou/admin/users",
        "/z/guangzhou/admin/audit",
        "/z/guangzhou/parks/",
        "/z/guangzhou/parks/new",
        "/z/guangzhou/enterprises/",
        "/z/guangzhou/schemes/",
        "/z/guangzhou/programs/",
        "/z/guangzhou/programs/new",
        "/z/guangzhou/certificates/",
        "/z/guangzhou/negative-list/",
        "/z/guangzhou/registrations/",
        "/z/guangzhou/schemes/overseas-warehouse",
        "/z/guangzhou/programs/export-reward",
        "/z/guangzhou/programs/export-reward/edit",
        "/z/guangzhou/programs/export-reward/rounds/new",
        "/z/guangzhou/programs/import",
        "/z/guangzhou/schemes/new",
        "/z/guangzhou/schemes/overseas-warehouse/edit",
        "/z/guangzhou/schemes/import",
        "/z/guangzhou/funding/notices/objections",
        "/z/guangzhou/notices/objections",
    ],
    "reviewer.guangzhou": ["/z/guangzhou/reviews/", "/z/guangzhou/funding/reviews/"],
    "enterprise.guangzhou": [
        "/z/guangzhou/applications/",
        "/z/guangzhou/applications/new?scheme=demo-enterprise",
        "/z/guangzhou/applications/new?scheme=overseas-warehouse",
        "/z/guangzhou/funding/applications/",
        "/z/guangzhou/warehouses/",
        "/z/guangzhou/talents/",
        "/province/",  # the 403 page
    ],
    "enterprise.foshan": ["/z/foshan/funding/tax-estimate?revenue=1000000"],
}


def _account(key: str) -> str:
    local, _, slug = key.partition(".")
    return demo(local, slug or None)


async def test_pages_are_valid_html(client, as_user, owner, tenants, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    park = await owner.fetchval(
        "SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    enterprise = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    pages = {who: list(paths) for who, paths in PAGES.items()}
    pages["admin.guangzhou"] += [f"/z/guangzhou/parks/{park}", f"/z/guangzhou/enterprises/{enterprise}"]
    files: dict[str, str] = {}
    for who, paths in pages.items():
        async with contextlib.AsyncExitStack() as stack:
            browser = client if who is None else await stack.enter_async_context(as_user(_account(who)))
            for path in paths:
                response = await browser.get(path)
                assert response.status_code in (200, 403, 404), (who, path, response.status_code)
                assert "text/html" in response.headers["content-type"], path
                name = f"page{len(files):02d}.html"
                (tmp_path / name).write_text(response.text, encoding="utf-8")
                files[name] = f"{who or 'anonymous'} {path}"
    assert len(files) >= 25
    checked = await asyncio.to_thread(
        subprocess.run,
        [
            "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *sorted(str(tmp_path / f) for f in files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(checked.stderr)["messages"]  # vnu writes its report to stderr
    errors = [
        f"{files[m['url'].rsplit('/', 1)[1]]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors[:60])
