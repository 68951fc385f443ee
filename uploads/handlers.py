"""Upload handler that refuses an oversized request body before it is read (first in FILE_UPLOAD_HANDLERS)."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

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
