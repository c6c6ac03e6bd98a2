"""S3 through the minio SDK. The only module that imports ``minio``.

Keys always start with the tenant id. Uploads stream from a reader with unknown length
(multipart, one part buffered at a time); downloads stream back in chunks.

An S3 that is down fails fast: every request has the connect and read timeouts and the retries of
settings (``S3_CONNECT_TIMEOUT``, ``S3_READ_TIMEOUT``, ``S3_RETRIES``; minio's own default retries five
times with back-off, 12–19 s per upload), and any transport failure is a :class:`StorageUnavailable`
(the pages answer 503, the CLI prints one line). A download opens the object before the response
starts (:meth:`Storage.open_object`), so a dead S3 is a 503 page, not a cut-off stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import BinaryIO, Protocol, cast
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import S3Error, ServerError
from urllib3.util import Retry, Timeout

from pilotzone.settings import ServiceUnavailable, Settings, get_settings

log = logging.getLogger(__name__)
PART_SIZE = 5 * 1024 * 1024  # the S3 minimum; minio keeps up to 3 parts in flight plus one being read
CHUNK = 256 * 1024


class Readable(Protocol):
    """What an upload is streamed from: something with ``read(size)`` (a file, the upload queue)."""

    def read(self, size: int = -1, /) -> bytes: ...


class StorageError(RuntimeError):
    pass


class StorageUnavailable(StorageError, ServiceUnavailable):
    """S3 did not answer (refused, timed out, 5xx after the retries)."""

    service = "s3"


class ObjectMissing(StorageError):
    """The object a row names is not in the bucket."""


_TRANSPORT = (urllib3.exceptions.HTTPError, ServerError, OSError)
_MISSING = ("NoSuchKey", "NoSuchObject", "NotFound")


def http_client(settings: Settings) -> urllib3.PoolManager:
    """minio's HTTP client with the timeouts and retries of settings (minio's default waits 5 min
    per read and retries 5 times with back-off)."""
    return urllib3.PoolManager(
        maxsize=16,  # the transfer threads (documents.services._transfers)
        timeout=Timeout(connect=settings.s3_connect_timeout, read=settings.s3_read_timeout),
        retries=Retry(
            total=settings.s3_retries,
            backoff_factor=0.1,
            backoff_max=1.0,
            status_forcelist=[500, 502, 503, 504],
            raise_on_status=False,  # the last 5xx reaches minio, which raises ServerError
        ),
    )


def failure_bound(settings: Settings) -> float:
    """Seconds one S3 request may take before it counts as failed (retries included, back-off ≤ 1 s)."""
    return (settings.s3_retries + 1) * (settings.s3_connect_timeout + settings.s3_read_timeout + 1.0)


class Storage:
    def __init__(self, settings: Settings) -> None:
        if not settings.s3_endpoint:
            raise StorageError("S3_ENDPOINT is not set and no embedded S3 was started")
        url = urlsplit(
            settings.s3_endpoint if "://" in settings.s3_endpoint else f"http://{settings.s3_endpoint}"
        )
        self.bucket = settings.s3_bucket
        self.where = url.netloc
        self.client = Minio(
            url.netloc,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=url.scheme == "https" or settings.s3_secure,
            region=settings.s3_region,
            http_client=http_client(settings),
        )

    def _unavailable(self, exc: BaseException) -> StorageUnavailable:
        reason = getattr(getattr(exc, "reason", None), "args", None) or (str(exc),)
        text = str(reason[-1] if isinstance(reason, tuple) else reason).rsplit(": ", 1)[-1]
        log.info("S3 at %s unavailable: %s", self.where, exc)  # the caller reports it (503 page, CLI line)
        return StorageUnavailable(f"S3 at {self.where} is not reachable ({text[:200]}); check S3_ENDPOINT")

    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
        except _TRANSPORT as exc:
            raise self._unavailable(exc) from exc

    def put_stream(
        self, key: str, reader: Readable, content_type: str, metadata: dict[str, str]
    ) -> str | None:
        try:
            result = self.client.put_object(
                self.bucket,
                key,
                cast(BinaryIO, reader),  # minio only calls read(size) on it
                length=-1,
                part_size=PART_SIZE,
                content_type=content_type,
                metadata=dict(metadata),
            )
        except _TRANSPORT as exc:
            raise self._unavailable(exc) from exc
        return result.etag

    def open_object(self, key: str) -> Iterator[bytes]:
        """Open the object now (S3 down: :class:`StorageUnavailable`; gone: :class:`ObjectMissing`)
        and return its chunks; call it before a response starts."""
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ObjectMissing(key) from exc
            raise
        except _TRANSPORT as exc:
            raise self._unavailable(exc) from exc
        return self._chunks(response)

    def _chunks(self, response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
        try:
            yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    def iter_object(self, key: str) -> Iterator[bytes]:
        """The object's chunks, opened lazily (for code that reads it whole, e.g. a job)."""
        yield from self.open_object(key)

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        except _TRANSPORT as exc:
            raise self._unavailable(exc) from exc
        return True

    def remove(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, key)
        except _TRANSPORT as exc:
            raise self._unavailable(exc) from exc

    def ping(self) -> bool:
        try:
            return self.client.bucket_exists(self.bucket)
        except _TRANSPORT as exc:
            raise self._unavailable(exc) from exc


async def open_object(key: str) -> Iterator[bytes]:
    """:meth:`Storage.open_object` off the event loop, for a download handler before it answers."""
    return await asyncio.to_thread(get_storage().open_object, key)


@lru_cache(maxsize=1)
def get_storage() -> Storage:
    return Storage(get_settings())


async def prepare_bucket() -> None:
    """App start-up: create the bucket if missing; an unreachable S3 is reported by /readyz, not fatal."""
    try:
        await asyncio.to_thread(get_storage().ensure_bucket)
    except Exception as exc:  # noqa: BLE001
        log.warning("S3 bucket check failed at start-up: %s", exc)
