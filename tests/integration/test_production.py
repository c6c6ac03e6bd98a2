"""Production mode end to end, as a deployment starts it: the commands of compose.yaml and the
Dockerfile (read from those files, so they cannot drift apart) run as subprocesses with
PILOTZONE_ENV=production against real services (a fresh PostgreSQL database, the machine's Redis,
the session's `weed mini` S3), secrets set and nothing embedded. The first administrator comes from
`pilotzone users invite`; a job started from the UI runs in the separate worker through Redis.

The test talks plain HTTP to 127.0.0.1: the cookies are Secure, so it reads them from Set-Cookie and
sends them back itself (a cookie jar would not send Secure cookies over HTTP)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import yaml
from tests.support import ROOT, admin_sql, db_url

from pilotzone.demo import DEMO_DOMAIN, demo_email, demo_password
from pilotzone.embedded import free_port

PROD_DB = f"pilotzone_prod_{os.getpid()}"
ADMIN = "first-admin@province.example.cn"
PASSWORD = "a long production password 2026"


def _dockerfile_cmd() -> list[str]:
    line = next(x for x in (ROOT / "Dockerfile").read_text().splitlines() if x.startswith("CMD "))
    return json.loads(line[4:])


def _compose_command(service: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return compose["services"][service]["command"]


@dataclass
class Deployment:
    url: str
    env: dict[str, str]
    dsn: str
    data_dir: Path


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        if "worker" in process.args:
            # as `docker stop` does: dramatiq's main process passes SIGTERM on to its workers, which
            # stop gracefully (3 s); a signal to the whole group reached them twice, which dramatiq
            # takes for a kill, and left the main process waiting 30 s
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGTERM)  # its own process group: granian's workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env |= {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PILOTZONE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": db_url(PROD_DB),
        "APP_DB_PASSWORD": os.environ["APP_DB_PASSWORD"],  # the machine's app role, as the session sets it
        "REDIS_URL": os.environ["REDIS_URL"],
        "DRAMATIQ_NAMESPACE": f"pilotzone-prod-{uuid.uuid4().hex[:8]}",
        "S3_ENDPOINT": os.environ["S3_ENDPOINT"],
        "S3_ACCESS_KEY": os.environ["S3_ACCESS_KEY"],
        "S3_SECRET_KEY": os.environ["S3_SECRET_KEY"],
        "S3_BUCKET": f"pilotzone-prod-{uuid.uuid4().hex[:8]}",
        "PILOTZONE_DATA_DIR": str(tmp / "data"),
        "PILOTZONE_HOST": "127.0.0.1",
        "PILOTZONE_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{PROD_DB}"'))
    asyncio.run(admin_sql(f'CREATE DATABASE "{PROD_DB}"'))
    processes: list[subprocess.Popen] = []
    logs = {name: open(tmp / f"{name}.log", "w+b") for name in ("serve", "worker")}  # noqa: SIM115
    try:
        subprocess.run(
            _compose_command("migrate"), env=env, cwd=ROOT, check=True, capture_output=True, timeout=300
        )
        for name, command in (("serve", _dockerfile_cmd()), ("worker", _compose_command("worker"))):
            processes.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=ROOT,
                    stdout=logs[name],
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):  # up to a minute for granian's workers to import the app
            assert all(p.poll() is None for p in processes), _logs(logs)
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("/readyz never answered 200\n" + _logs(logs))
        yield Deployment(url, env, db_url(PROD_DB), tmp / "data")
    finally:
        for process in processes:
            _stop(process)
        for log in logs.values():
            log.close()
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{PROD_DB}" WITH (FORCE)'))
        import redis

        client = redis.Redis.from_url(env["REDIS_URL"])
        keys = list(client.scan_iter(f"{env['DRAMATIQ_NAMESPACE']}*"))
        if keys:
            client.delete(*keys)


def _logs(logs: dict) -> str:
    out = []
    for name, log in logs.items():
        log.flush()
        log.seek(0)
        out.append(f"--- {name}\n{log.read().decode(errors='replace')[-3000:]}")
    return "\n".join(out)


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    """name → the whole Set-Cookie line, for every cookie the response sets."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = await client.get("/login")
    anon = _set_cookies(form)["pz_csrf"].split(";", 1)[0]
    return await client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": _csrf(form.text)},
        headers={"Cookie": anon},
    )


async def test_a_production_deployment_starts_invites_signs_in_and_runs_jobs(deployment: Deployment) -> None:
    # nothing embedded: no database or S3 folder was made, /readyz sees the real services
    assert not (deployment.data_dir / "pg").exists() and not (deployment.data_dir / "s3").exists()
    async with httpx.AsyncClient(base_url=deployment.url, follow_redirects=False, timeout=30) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "s3": "ok", "broker": "ok"}

        # the first administrator: an invitation from the command line, a password, a sign-in
        invited = await asyncio.to_thread(
            subprocess.run,
            [
                "pilotzone",
                "users",
                "invite",
                "--email",
                ADMIN,
                "--role",
                "province_admin",
                "--base-url",
                deployment.url,
            ],
            env=deployment.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert invited.returncode == 0, invited.stderr
        link = invited.stdout.strip().splitlines()[-1]
        assert re.fullmatch(re.escape(deployment.url) + r"/invite/[A-Za-z0-9_-]{40,}", link), invited.stdout
        page = await client.get(link)
        assert page.status_code == 200 and ADMIN in page.text
        csrf_cookie = _set_cookies(page)["pz_csrf"]
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
        accepted = await client.post(
            link,
            data={"csrf_token": _csrf(page.text), "display_name": "省厅管理员", "password": PASSWORD},
            headers={"Cookie": csrf_cookie.split(";", 1)[0]},
        )
        assert accepted.status_code == 303, accepted.text[:500]
        assert (await client.get(link)).status_code == 404  # used once
        client.cookies.clear()

        signed_in = await _sign_in(client, ADMIN, PASSWORD)
        assert signed_in.status_code == 303, signed_in.text[:500]
        session = _set_cookies(signed_in)["pz_session"]
        assert (
            "Secure" in session and "HttpOnly" in session and "SameSite=lax" in session.replace("Lax", "lax")
        )
        cookie = {"Cookie": session.split(";", 1)[0]}
        client.cookies.clear()
        dashboard = await client.get("/province/", headers=cookie)
        assert dashboard.status_code == 200 and "省厅管理员" in dashboard.text  # signed in, by name

        # no demo account exists, and none signs in
        demo = await _sign_in(client, demo_email("province-admin"), demo_password())
        assert demo.status_code != 303 and "pz_session" not in _set_cookies(demo)
        client.cookies.clear()
        owner = await asyncpg.connect(deployment.dsn)
        try:
            assert (
                await owner.fetchval("SELECT count(*) FROM pz_user WHERE email LIKE $1", f"%@{DEMO_DOMAIN}")
                == 0
            )
            assert await owner.fetchval("SELECT count(*) FROM pz_user") == 1

            # a job started from the UI runs in the worker process, through Redis
            started = await client.post(
                "/province/refresh", data={"csrf_token": _csrf(dashboard.text)}, headers=cookie
            )
            assert started.status_code == 303, started.text[:500]
            tenants = await owner.fetchval("SELECT count(*) FROM tenant WHERE active")
            for _ in range(600):
                runs = await owner.fetch("SELECT status, error FROM job_run WHERE kind = 'overview_refresh'")
                if len(runs) == tenants and all(r["status"] in ("done", "failed") for r in runs):
                    break
                await asyncio.sleep(0.1)
            assert [r["status"] for r in runs] == ["done"] * tenants, runs
        finally:
            await owner.close()


async def test_production_answers_carry_hsts(deployment: Deployment) -> None:
    """HSTS on every answer in production (the security-headers middleware of issue 11, item 15)."""
    async with httpx.AsyncClient(base_url=deployment.url, follow_redirects=False, timeout=30) as client:
        for path in ("/healthz", "/login", "/z/guangzhou/"):
            response = await client.get(path)
            assert "max-age=" in response.headers.get("strict-transport-security", ""), path
