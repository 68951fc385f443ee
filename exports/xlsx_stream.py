"""XLSX written straight into the response: the ZIP container goes to a non-seekable stream as rows arrive.

openpyxl's write-only mode writes the sheet's XML into a temporary file and copies it into the ZIP only at
`save()`, so the first byte would wait for the last row. Here the sheet's XML goes directly into its ZIP
entry (`zipfile` writes entries to unseekable streams with data descriptors), and the bytes the ZIP has
produced so far are handed out every `XLSX_FLUSH_BYTES`; the workbook parts that refer to the sheet (workbook,
styles, content types) follow it, and the central directory comes last. Everything else about the cells is
openpyxl's own; this module only changes where the sheet's XML goes, through openpyxl's `WorksheetWriter`
(`out=`) and one `ExcelWriter` method.
"""

import datetime
import io
import zipfile
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

XLSX_FLUSH_BYTES = 64 * 1024


class _Sink(io.RawIOBase):
    """A write-only, non-seekable byte sink whose contents are taken out in pieces."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        self.size = 0
        return data


class _SheetsAlreadyWritten(ExcelWriter):
    """openpyxl's workbook writer for sheets whose XML is already in the archive."""

    def write_worksheet(self, ws) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        ws._rels = ws._writer._rels
        self.manifest.append(ws)


class StreamingWorkbook:
    """One write-only worksheet whose rows leave as XLSX bytes while they are appended.

    Use: set up `worksheet` (widths, freeze panes, autofilter) before the first `append`; after each
    `append`, send what `pending()` returns; finally send what `finish()` returns.
    """

    def __init__(self, title: str) -> None:
        self._sink = _Sink()
        self._archive = zipfile.ZipFile(self._sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.workbook = Workbook(write_only=True)
        self.worksheet = self.workbook.create_sheet(title)
        self._entry = None

    def _start(self) -> None:
        self.worksheet._id = 1  # openpyxl numbers sheets at save; the entry's name needs it now
        self._entry = self._archive.open(self.worksheet.path[1:], "w", force_zip64=True)
        self.worksheet._writer = WorksheetWriter(self.worksheet, out=self._entry)
        self.worksheet._writer.write_top()

    def append(self, row: list) -> None:
        if self._entry is None:
            self._start()
        self.worksheet.append(row)

    def pending(self) -> bytes:
        """The bytes produced since the last call, once there are at least `XLSX_FLUSH_BYTES` of them."""
        return self._sink.take() if self._sink.size >= XLSX_FLUSH_BYTES else b""

    def finish(self) -> bytes:
        """Close the sheet, write the rest of the workbook and the ZIP directory; the remaining bytes."""
        if self._entry is None:
            self._start()
        self.worksheet.close()
        self._entry.close()
        self.workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _SheetsAlreadyWritten(self.workbook, self._archive).save()
        return self._sink.take()


def xlsx_chunks(workbook: StreamingWorkbook, rows: Iterator[list]) -> Iterator[bytes]:
    """Append `rows` to `workbook`, yielding the XLSX bytes as they are produced, the last ones at the end."""
    for row in rows:
        workbook.append(row)
        if chunk := workbook.pending():
            yield chunk
    yield workbook.finish()
