"""Streaming uploads to S3 and RLS-checked downloads.

The request body is parsed as it arrives (``multipart.PushMultipartParser``); the file part is fed
through a bounded queue to a thread running the minio multipart upload. Memory stays at a few
S3 parts (those minio has in flight) plus the queue, whatever the file size. The content type is sniffed from the first bytes,
sha256 and size are computed on the way, and the Document row is written only after S3 accepted
the object (a failed upload leaves no row, and a failed insert removes the object).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from multipart import MultipartSegment, ParserError, PushMultipartParser

from pilotzone.documents.checks import (
    ZIP_FAMILY,
    ArchiveRefused,
    BadName,
    ZipTail,
    check_claim,
    check_filename,
    claimed_types,
    sent_filename,
)
from pilotzone.documents.sniff import SNIFF_BYTES, sniff
from pilotzone.documents.storage import get_storage
from pilotzone.documents.tables import Document
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.web.i18n import gettext as _

QUEUE_CHUNK = 1024 * 1024
QUEUE_DEPTH = 4


class _End:
    """The marker that follows an upload's last chunk in the queue."""


_EOF = _End()
# S3 transfers block a thread each; their own pool keeps them from starving the loop's default pool
_transfers = ThreadPoolExecutor(max_workers=16, thread_name_prefix="s3-transfer")


class UploadRejected(Exception):
    """Bad upload; ``status`` is the HTTP status, ``message`` is shown next to the field."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _QueueReader:
    """File-like object for minio: ``read(n)`` (in a transfer thread) pulls from an asyncio queue
    that the event loop fills; the bounded queue is the back-pressure. Chunks are kept as they
    came and joined once per read (minio asks for a whole part at a time): one copy per part."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[bytes | BaseException | _End] = asyncio.Queue(maxsize=QUEUE_DEPTH)
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        while not self.finished and (size < 0 or self.buffered < size):
            item = asyncio.run_coroutine_threadsafe(self.queue.get(), self.loop).result()
            if isinstance(item, _End):
                self.finished = True
            elif isinstance(item, BaseException):
                raise item
            else:
                self.chunks.append(item)
                self.buffered += len(item)
        size = self.buffered if size < 0 else min(size, self.buffered)
        taken: list[bytes] = []
        need = size
        while need:
            chunk = self.chunks.popleft()
            if len(chunk) > need:
                self.chunks.appendleft(chunk[need:])
                chunk = chunk[:need]
            taken.append(chunk)
            need -= len(chunk)
        self.buffered -= size
        return taken[0] if len(taken) == 1 else b"".join(taken)


@dataclass
class _Sink:
    """Receives the file part's bytes; starts the S3 upload once the type is known."""

    key: str
    filename: str
    max_bytes: int
    allowed: Collection[str]
    claims: set[str] = field(default_factory=set)
    size: int = 0
    content_type: str = ""
    sha: hashlib._Hash = field(default_factory=hashlib.sha256)
    pending: bytearray = field(default_factory=bytearray)
    reader: _QueueReader | None = None
    future: asyncio.Future | None = None
    archive: ZipTail | None = None  # Office files: the end of the file, for the central directory

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise UploadRejected(
                413, _("The file is larger than the limit of %(mb)s MB.", mb=self.max_bytes // (1024 * 1024))
            )
        self.sha.update(data)
        self.pending += data
        if self.archive is not None:
            self.archive.feed(data)
        if self.reader is None and len(self.pending) >= SNIFF_BYTES:
            self._start()
        if self.reader is not None and len(self.pending) >= QUEUE_CHUNK:
            await self._push(bytes(self.pending))
            self.pending.clear()

    def _start(self) -> None:
        self.content_type = sniff(bytes(self.pending[:SNIFF_BYTES]), self.filename)
        contradiction = check_claim(self.claims, self.content_type)
        if contradiction:
            raise UploadRejected(415, contradiction)
        if self.content_type not in self.allowed:
            raise UploadRejected(415, _("Files of type %(type)s are not accepted.", type=self.content_type))
        if self.content_type in ZIP_FAMILY:
            self.archive = ZipTail()
            self.archive.feed(bytes(self.pending))
        loop = asyncio.get_running_loop()
        self.reader = _QueueReader(loop)
        metadata = {"original-name": self.filename.encode("unicode_escape").decode("ascii")[:200]}
        self.future = loop.run_in_executor(
            _transfers, get_storage().put_stream, self.key, self.reader, self.content_type, metadata
        )

    async def _push(self, item: bytes | _End) -> None:
        assert self.reader is not None and self.future is not None
        put = asyncio.ensure_future(self.reader.queue.put(item))
        await asyncio.wait([put, self.future], return_when=asyncio.FIRST_COMPLETED)
        if not put.done():  # the transfer ended early (S3 error): stop feeding it
            put.cancel()
            await self.future
            raise UploadRejected(502, _("The document store stopped the upload; try again."))

    async def finish(self) -> None:
        if self.size == 0:
            raise UploadRejected(400, _("The file is empty."))
        if self.reader is None:
            self._start()
        if self.archive is not None:
            self._check_archive()  # before the last bytes: a refused archive is never completed in S3
        if self.pending:
            await self._push(bytes(self.pending))
            self.pending.clear()
        await self._push(_EOF)
        assert self.future is not None
        await self.future

    def _check_archive(self) -> None:
        assert self.archive is not None
        settings = get_settings()
        try:
            kind = self.archive.inspect(
                settings.upload_zip_max_uncompressed_bytes,
                settings.upload_zip_max_entries,
                settings.upload_zip_max_ratio,
            )
        except ArchiveRefused as exc:
            raise UploadRejected(exc.status, str(exc)) from None
        contradiction = check_claim(self.claims, kind)
        if contradiction:
            raise UploadRejected(415, contradiction)
        if kind not in self.allowed:
            raise UploadRejected(415, _("Files of type %(type)s are not accepted.", type=kind))
        self.content_type = kind

    async def abort(self) -> None:
        """Fail the transfer (minio aborts its multipart upload) and remove anything stored."""
        if self.reader is None or self.future is None:
            return  # nothing was sent to S3 yet
        while not self.reader.queue.empty():
            self.reader.queue.get_nowait()
        self.reader.queue.put_nowait(UploadRejected(400, "upload aborted"))
        try:
            await self.future
        except Exception:  # noqa: S110 - the failure is what we asked for
            pass
        await _remove(self.key)


def _remove_quietly(key: str) -> None:
    try:
        get_storage().remove(key)
    except Exception:  # noqa: S110 - nothing was stored
        pass


async def _remove(key: str) -> None:
    await asyncio.get_running_loop().run_in_executor(_transfers, _remove_quietly, key)


async def _then_eof(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in body:
        if chunk:
            yield chunk
    yield b""  # tells the push parser that the body ended


def object_key(tenant_id: int, owner_kind: str, owner_id: int) -> str:
    return f"{tenant_id}/{owner_kind}/{owner_id}/{uuid.uuid4().hex}"


def _system_name(name: str) -> str:
    """A name the system chose (e.g. from a certificate number) made acceptable to ``check_filename``."""
    cleaned = "".join("-" if c in '/\\"' or ord(c) < 32 else c for c in name).strip(" .")
    return cleaned[:200] or "file"


@dataclass
class ParsedUpload:
    fields: dict[str, str]
    document: Document


async def receive_upload(
    body: AsyncIterator[bytes],
    boundary: str,
    owner_kind: str,
    owner_id: int,
    file_field: str = "file",
    csrf_ok: Callable[[dict[str, str]], bool] | None = None,
    types_for: Callable[[dict[str, str]], Collection[str]] | None = None,
    allowed_types: Collection[str] | None = None,
) -> ParsedUpload:
    """Parse a multipart body, streaming its one file to S3, and record the Document.

    ``csrf_ok`` sees the fields that came before the file and must accept them before any byte of
    the file is read (the form puts its csrf_token field first). ``types_for`` (given the same
    fields) narrows the accepted types further; ``allowed_types`` replaces the settings' list (a data
    import reads CSV, which is no document type). The file name is checked when the file part
    starts, the type on its first bytes: a refused upload never reaches S3."""
    settings = get_settings()
    tenant_id = current_tenant_id()
    fields: dict[str, str] = {}
    sink: _Sink | None = None
    done: _Sink | None = None
    text = bytearray()
    segment: MultipartSegment | None = None
    try:
        with PushMultipartParser(boundary.encode(), max_segment_count=20) as parser:
            async for chunk in _then_eof(body):
                for part in parser.parse(chunk):
                    if isinstance(part, MultipartSegment):
                        segment, text = part, bytearray()
                        sent = sent_filename(part)
                        if sent:  # a form sent with no file chosen has filename=""
                            if part.name != file_field or done is not None:
                                raise UploadRejected(400, _("Send one file at a time."))
                            if csrf_ok is not None and not csrf_ok(fields):
                                raise UploadRejected(403, "csrf token missing or wrong")
                            try:
                                filename = check_filename(sent)
                            except BadName as exc:
                                raise UploadRejected(400, str(exc)) from None
                            allowed = tuple(allowed_types or settings.upload_allowed_types)
                            if types_for is not None:
                                narrower = types_for(fields)
                                allowed = tuple(t for t in allowed if t in narrower)
                            sink = _Sink(
                                key=object_key(tenant_id, owner_kind, owner_id),
                                filename=filename,
                                max_bytes=settings.upload_max_bytes,
                                allowed=allowed,
                                claims=claimed_types(filename, part.content_type),
                            )
                    elif part:
                        if sink is not None:
                            await sink.write(part)
                        elif len(text) + len(part) <= 64 * 1024:
                            text += part
                        else:
                            raise UploadRejected(400, _("A form field is too large."))
                    else:
                        if sink is not None:
                            await sink.finish()
                            done, sink = sink, None
                        elif segment is not None:
                            fields[segment.name] = text.decode(segment.charset or "utf-8", "replace")
                        segment = None
            if not parser.closed:
                raise UploadRejected(400, _("The upload was cut off; try again."))
    except BaseException as exc:
        if sink is not None:
            await sink.abort()
        if done is not None:
            await _remove(done.key)
        if isinstance(exc, ParserError):
            raise UploadRejected(400, _("The upload could not be read; try again.")) from None
        raise
    if done is None:
        raise UploadRejected(400, _("Choose a file to upload."))
    try:
        document = Document(
            tenant=tenant_id,
            owner_kind=owner_kind,
            owner_id=owner_id,
            filename=done.filename,
            content_type=done.content_type,
            size=done.size,
            sha256=done.sha.hexdigest(),
            storage_key=done.key,
        )
        await document.save()
    except BaseException:
        await _remove(done.key)
        raise
    return ParsedUpload(fields=fields, document=document)


async def store_bytes(owner_kind: str, owner_id: int, filename: str, data: bytes) -> Document:
    """Store a document produced by the system (same checks and bookkeeping as an upload)."""

    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{_system_name(filename)}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    async def body() -> AsyncIterator[bytes]:
        yield head
        yield data
        yield f"\r\n--{boundary}--\r\n".encode()

    return (await receive_upload(body(), boundary, owner_kind, owner_id)).document


async def documents_of(owner_kind: str, owner_id: int) -> list[Document]:
    return (
        await Document.objects()
        .where((Document.owner_kind == owner_kind) & (Document.owner_id == owner_id))
        .order_by(Document.uploaded_at, ascending=False)
    )


async def get_document(document_id: int) -> Document | None:
    """RLS decides: a document of another tenant is simply not found."""
    return await Document.objects().where(Document.id == document_id).first()
