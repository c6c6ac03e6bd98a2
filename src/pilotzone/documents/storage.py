"""S3 through the minio SDK. The only module that imports ``minio``.

Keys always start with the tenant id. Uploads stream from a reader with unknown length
(multipart, one part buffered at a time); downloads stream back in chunks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import IO
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error

from pilotzone.settings import Settings, get_settings

log = logging.getLogger(__name__)
PART_SIZE = 5 * 1024 * 1024  # the S3 minimum; minio keeps up to 3 parts in flight plus one being read
CHUNK = 256 * 1024


class StorageError(RuntimeError):
    pass


class Storage:
    def __init__(self, settings: Settings) -> None:
        if not settings.s3_endpoint:
            raise StorageError("S3_ENDPOINT is not set and no embedded S3 was started")
        url = urlsplit(
            settings.s3_endpoint if "://" in settings.s3_endpoint else f"http://{settings.s3_endpoint}"
        )
        self.bucket = settings.s3_bucket
        self.client = Minio(
            url.netloc,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=url.scheme == "https" or settings.s3_secure,
            region=settings.s3_region,
        )

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def put_stream(self, key: str, reader: IO[bytes], content_type: str, metadata: dict[str, str]) -> str:
        result = self.client.put_object(
            self.bucket,
            key,
            reader,
            length=-1,
            part_size=PART_SIZE,
            content_type=content_type,
            metadata=metadata,
        )
        return result.etag

    def iter_object(self, key: str) -> Iterator[bytes]:
        response = self.client.get_object(self.bucket, key)
        try:
            yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    def remove(self, key: str) -> None:
        self.client.remove_object(self.bucket, key)

    def ping(self) -> bool:
        return self.client.bucket_exists(self.bucket)


@lru_cache(maxsize=1)
def get_storage() -> Storage:
    return Storage(get_settings())


async def prepare_bucket() -> None:
    """App start-up: create the bucket if missing; an unreachable S3 is reported by /readyz, not fatal."""
    try:
        await asyncio.to_thread(get_storage().ensure_bucket)
    except Exception as exc:  # noqa: BLE001
        log.warning("S3 bucket check failed at start-up: %s", exc)
