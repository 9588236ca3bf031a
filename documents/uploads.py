"""Checking an uploaded file before anything is kept: its size (counted as it streams in, so an
oversized file is never written whole to disk), its name, and its type as sniffed from its
content with libmagic (python-magic), never from its name or the browser's say-so."""

from __future__ import annotations

import hashlib
import html
import types
import unicodedata
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList

# What may be kept, by sniffed type: photos, audio, video clips, PDFs, office documents and
# plain text (noise diaries). Anything else (executables, scripts, archives, HTML) is refused.
ALLOWED_TYPES = {
    "image/jpeg": "a JPEG photo",
    "image/png": "a PNG image",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    "image/heic": "a HEIC photo",
    "audio/mpeg": "an MP3 recording",
    "audio/x-wav": "a WAV recording",
    "audio/wav": "a WAV recording",
    "audio/x-m4a": "an M4A recording",
    "audio/mp4": "an M4A recording",
    "audio/ogg": "an OGG recording",
    "video/mp4": "an MP4 video",
    "video/quicktime": "a QuickTime video",
    "application/pdf": "a PDF",
    "application/msword": "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
    "application/vnd.ms-excel": "an Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "an Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "an OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet",
    "application/rtf": "a rich text document",
    "text/rtf": "a rich text document",
    "text/plain": "a text file",
    "text/csv": "a CSV file",
}
ALLOWED_DESCRIPTION = (
    "a photo (JPG, PNG, GIF, WebP, HEIC), a recording (MP3, WAV, M4A, OGG), a video (MP4, MOV), "
    "a PDF, a Word, Excel or OpenDocument file, or a text file"
)
SNIFF_BYTES = 8192


def max_bytes() -> int:
    return settings.DOCUMENT_MAX_BYTES


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, round(size / 1024))} KB"


class TooLarge(UploadedFile):
    """Stands in for a file that passed the size limit while it was being received: its bytes
    past the limit were never kept."""

    def __init__(self, name: str, received: int):
        super().__init__(file=None, name=name, size=received)
        self.too_large = True

    def open(self, mode=None):  # pragma: no cover - nothing to read
        raise ValueError("The file was too large to keep")

    def close(self):
        return None


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts each file's bytes as they arrive; past the limit it passes no more of them on
    (so the temporary file stops growing) and hands the form a `TooLarge` in its place. Put
    first in `request.upload_handlers` by the upload views. It also hashes each file as it
    streams past (`request.upload_digests`, SHA-256 by field), which the API's Idempotency-Key
    fingerprint uses without reading the file again."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_bytes()

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        self.over = False
        self.digest = hashlib.sha256()
        sent = getattr(self.request, "_upload_name_sent", None)
        if sent is not None:
            self.request.upload_names_sent[field_name] = sent

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.over = True
            return None  # the other handlers never see the rest
        self.digest.update(raw_data)
        return raw_data

    def file_complete(self, file_size):
        digests = getattr(self.request, "upload_digests", None)
        if digests is not None:
            digests[self.field_name] = None if self.over else self.digest.hexdigest()
        if self.over:
            return TooLarge(self.file_name, self.received)
        return None  # the next handler (memory or temporary file) completes it


class NameKeepingMultiPartParser(MultiPartParser):
    """Django's parser, which strips directories and unprintable characters from a file's name
    before any handler sees it; this one remembers the name as it was sent, so the form can
    refuse such a name with a message rather than keep it silently changed."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._request = request

    def sanitize_file_name(self, file_name):
        self._request._upload_name_sent = html.unescape(file_name)
        return super().sanitize_file_name(file_name)


def _parse_file_upload(request, META, post_data):
    """HttpRequest.parse_file_upload with NameKeepingMultiPartParser."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers,
        warning="You cannot alter upload handlers after the upload has been processed.",
    )
    parser = NameKeepingMultiPartParser(
        request, META, post_data, request.upload_handlers, request.encoding
    )
    return parser.parse()


def install_size_limit(request) -> None:
    """Before the body is read: put the size limit first among the request's upload handlers,
    and keep each file's name as sent (`request.upload_names_sent`, by field) and its SHA-256
    (`request.upload_digests`)."""
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    request.upload_names_sent = {}
    request.upload_digests = {}
    request.parse_file_upload = types.MethodType(_parse_file_upload, request)


@dataclass(frozen=True)
class CheckedFile:
    file: UploadedFile
    name: str
    content_type: str
    size: int


def check_name(name: str, *, field: str = "file") -> str:
    """A file name to keep and give back on download: no path separator, no control
    character, not empty, not `.` or `..`."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError({field: "The file must have a name"})
    if "/" in name or "\\" in name:
        raise ValidationError({field: "The file name must not contain / or \\"})
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        raise ValidationError({field: "The file name must not contain control characters"})
    if name in (".", "..") or name.startswith("."):
        raise ValidationError({field: "The file name must not start with a full stop"})
    if len(name) > 200:
        raise ValidationError({field: "The file name must be 200 characters or fewer"})
    return name


def sniff(upload: UploadedFile) -> str:
    """The type of the file from its first bytes (libmagic)."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return magic.from_buffer(head, mime=True)


def check_upload(
    upload: UploadedFile | None, *, field: str = "file", name_sent: str | None = None
) -> CheckedFile:
    """Every check an uploaded file must pass, each with the error to show on the field.
    `name_sent` is the file's name as the browser or client sent it, where known."""
    if upload is None:
        raise ValidationError({field: "Select a file"})
    if getattr(upload, "too_large", False) or upload.size > max_bytes():
        raise ValidationError(
            {field: f"The selected file must be smaller than {size_label(max_bytes())}"}
        )
    if upload.size == 0:
        raise ValidationError({field: "The selected file is empty"})
    name = check_name(upload.name if name_sent is None else name_sent, field=field)
    content_type = sniff(upload)
    if content_type not in ALLOWED_TYPES:
        raise ValidationError({field: f"The selected file must be {ALLOWED_DESCRIPTION}"})
    return CheckedFile(file=upload, name=name, content_type=content_type, size=upload.size)
