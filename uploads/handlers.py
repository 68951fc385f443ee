"""Upload handlers (FILE_UPLOAD_HANDLERS): refuse an oversized request body before it is read, then stream
the uploaded files into the spool as they arrive."""

import threading

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from core.errors import disk_fault
from gallery import file_streams
from uploads.spool import SpooledUpload, spool_file_name, spool_key_new

UPLOAD_FIELD = "file"  # the form field of the upload page and of POST /api/upload
ENVELOPE_BYTES = 1024**2  # room for the multipart boundaries and form fields around the files


def upload_limit_bytes() -> int:
    """The largest request body accepted: UPLOAD_MAX_BYTES plus the multipart envelope."""
    return settings.UPLOAD_MAX_BYTES + ENVELOPE_BYTES


class UploadLimitHandler(FileUploadHandler):
    """Stops parsing a multipart body over the upload limit and marks the request (`upload_too_large`),
    so views answer 413. Decided from Content-Length when given, else while the bytes arrive."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length > upload_limit_bytes():
            self.request.upload_too_large = content_length
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > upload_limit_bytes():
            self.request.upload_too_large = self.received
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


_receiving = threading.local()  # per thread: the SpoolUploadHandlers that have a part open


def _receiving_handlers() -> set:
    if not hasattr(_receiving, "handlers"):
        _receiving.handlers = set()
    return _receiving.handlers


@receiver(request_finished)
def _parts_left_open_abort(**kwargs) -> None:
    """Abort a part still open when its request ends: the parse was cut by an error that a middleware
    swallowed (CSRF does, for a connection reset while it reads the form), so no handler was told."""
    handlers = _receiving_handlers()
    while handlers:
        handlers.pop().upload_interrupted()


class SpoolUploadHandler(FileUploadHandler):
    """Streams each `file` part of a multipart body into the upload spool while it arrives
    (`file_streams.Writer`: a multipart upload on S3), so the web node keeps no copy and holds at most one
    part in memory; the parts become `SpooledUpload`s. A part that does not end (the body cut off, the parse
    stopped by StopUpload or an error, its storage failing) is aborted: nothing of it stays. Other fields go
    on to the next handlers.
    """

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.key = ""
        self.index = 0
        self.writer: file_streams.Writer | None = None

    def new_file(self, field_name: str, *args, **kwargs) -> None:
        super().new_file(field_name, *args, **kwargs)
        if field_name != UPLOAD_FIELD:
            return
        self.key = self.key or spool_key_new()
        self.writer = file_streams.Writer(spool_file_name(self.key, self.index))
        _receiving_handlers().add(self)
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.writer is None:
            return raw_data
        try:
            self.writer.write(raw_data)
        except BaseException as error:
            self.upload_interrupted()
            self._stop_on_disk_fault(error)
            raise
        return None

    def file_complete(self, file_size: int) -> SpooledUpload | None:
        if self.writer is None:
            return None
        writer, self.writer = self.writer, None
        _receiving_handlers().discard(self)
        try:
            writer.commit()  # aborts the part when it fails
        except BaseException as error:
            self._stop_on_disk_fault(error)
            raise
        upload = SpooledUpload(
            key=self.key,
            index=self.index,
            name=self.file_name,
            size=file_size,
            content_type=self.content_type,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        self.index += 1
        return upload

    def _stop_on_disk_fault(self, error: BaseException) -> None:
        """A disk refusing the spool ends the parse and marks the request (`upload_disk_fault`: "full" or
        "unwritable"), so the view answers 507 even when the CSRF check read the body before it; the rest of
        the body is read and dropped, so the client gets that answer."""
        fault = disk_fault(error)
        if fault is not None:
            self.request.upload_disk_fault = fault
            raise StopUpload(connection_reset=False) from error

    def upload_interrupted(self) -> None:
        """Abort the part being received (Django calls this when the body ends inside a part)."""
        writer, self.writer = self.writer, None
        _receiving_handlers().discard(self)
        if writer is not None:
            writer.abort()

    def upload_complete(self) -> None:
        self.upload_interrupted()  # a part still open when the parse ends was cut short (StopUpload)
