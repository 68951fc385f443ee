"""XLSX written straight into the response: the ZIP container goes to a non-seekable stream as rows arrive.

The sheet's rows are serialised here, not by openpyxl: its write-only mode builds an XML element per cell
(about 7 µs each, 85 % of an export's CPU), where the cells of a link sheet are only inline strings, numbers
and upload times, each one formatted string. Everything around the rows stays openpyxl's: the sheet's head
(properties, frozen pane, column widths) and tail (autofilter, margins) come from its `WorksheetWriter` on an
empty sheet, and the workbook parts that refer to the sheet (workbook, styles, content types) from its
`ExcelWriter`. The sheet's XML goes directly into its ZIP entry (`zipfile` writes entries to unseekable
streams with data descriptors), the bytes the ZIP has produced so far are handed out every
`XLSX_FLUSH_BYTES`, and the central directory comes last.

Cells: every `str` is an inline string, never a formula or an error code (so `=1+2` and `00123` stay text);
characters XML 1.0 cannot carry (`openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE`) are removed, text past Excel's
32 767 characters is cut; `int`/`float` are numbers, `bool` a boolean, a naive `datetime` a date cell;
None and "" leave the cell out.
"""

import datetime
import io
import re
import zipfile
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

XLSX_FLUSH_BYTES = 64 * 1024
XLSX_COMPRESS_LEVEL = 1  # zlib level: 3× faster than the default 6 on sheet XML, for a file about 15 % larger
CELL_TEXT_MAX = 32_767  # Excel's limit on one cell's text
_ROWS_PER_WRITE = 500  # rows serialised, then cleaned and compressed as one piece of text
_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_DAY = datetime.timedelta(days=1)
_SPACES = " \t\n\r"
_PRESERVE = ' xml:space="preserve"'
# the characters of openpyxl's ILLEGAL_CHARACTERS_RE
_ILLEGAL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


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


def _text_cell(reference: str, style: str, value: str) -> str:
    """One inline-string cell: escaped, cut to Excel's limit, spaces at either end kept."""
    text = value[:CELL_TEXT_MAX].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = _PRESERVE if text[0] in _SPACES or text[-1] in _SPACES else ""
    return f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


class StreamingWorkbook:
    """One worksheet whose rows leave as XLSX bytes while they are appended.

    Use: set up `worksheet` (widths, freeze panes, autofilter: openpyxl's write-only sheet) before the first
    `append`; after each `append`, send what `pending()` returns; finally send what `finish()` returns.
    """

    def __init__(self, title: str) -> None:
        self._sink = _Sink()
        self._archive = zipfile.ZipFile(
            self._sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=XLSX_COMPRESS_LEVEL
        )
        self.workbook = Workbook(write_only=True)
        self.worksheet = self.workbook.create_sheet(title)
        self._bold = f' s="{self._style_id(font=Font(bold=True))}"'
        self._datetime = f' s="{self._style_id(value=_EXCEL_EPOCH)}"'
        self._entry = None
        self._tail = b""
        self._letters: list[str] = []
        self._rows = 0
        self._batch: list[str] = []

    def _style_id(self, *, value=None, font: Font | None = None) -> int:
        """Register the style a cell of this value (and font) gets in openpyxl, so styles.xml holds it."""
        cell = WriteOnlyCell(self.worksheet, value=value)
        if font is not None:
            cell.font = font
        return cell.style_id

    def _start(self) -> None:
        self.worksheet._id = 1  # openpyxl numbers sheets at save; the entry's name needs it now
        self._entry = self._archive.open(self.worksheet.path[1:], "w", force_zip64=True)
        empty = io.BytesIO()
        writer = WorksheetWriter(self.worksheet, out=empty)
        writer.write_top()
        with writer.xf.send(True).element("sheetData"):
            pass
        writer.xf.send(None)
        writer.write_tail()
        writer.close()
        self.worksheet._writer = writer  # its relationships (none) go into the workbook's manifest
        head, tail = _EMPTY_SHEET_DATA.split(empty.getvalue(), maxsplit=1)
        self._entry.write(head + b"<sheetData>")
        self._tail = b"</sheetData>" + tail

    def _letters_for(self, width: int) -> list[str]:
        while len(self._letters) < width:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def append(self, row: list, *, bold: bool = False) -> None:
        """Add one row of values (see the module for how each type is written); `bold` for a header."""
        if self._entry is None:
            self._start()
        self._rows += 1
        number = self._rows
        letters = self._letters if len(self._letters) >= len(row) else self._letters_for(len(row))
        style = self._bold if bold else ""
        cells = [f'<row r="{number}">']
        add = cells.append
        for letter, value in zip(letters, row, strict=False):
            kind = type(value)
            if kind is str:
                if value:
                    add(_text_cell(f"{letter}{number}", style, value))
            elif value is None:
                continue
            elif kind is int or kind is float:
                add(f'<c r="{letter}{number}"{style}><v>{value!r}</v></c>')
            elif kind is bool:
                add(f'<c r="{letter}{number}"{style} t="b"><v>{value:d}</v></c>')
            elif kind is datetime.datetime:
                if value.tzinfo is not None:
                    raise TypeError("XLSX has no time zones: give naive local datetimes")
                add(f'<c r="{letter}{number}"{self._datetime}><v>{(value - _EXCEL_EPOCH) / _DAY!r}</v></c>')
            else:
                add(_text_cell(f"{letter}{number}", style, str(value)))
        add("</row>")
        self._batch.append("".join(cells))
        if len(self._batch) >= _ROWS_PER_WRITE:
            self._write_batch()

    def _write_batch(self) -> None:
        # XML 1.0's forbidden control characters are single bytes in UTF-8, never part of the markup or of
        # another character: deleting them from the encoded batch removes them from every cell at once
        self._entry.write("".join(self._batch).encode().translate(None, _ILLEGAL_BYTES))
        self._batch.clear()

    def pending(self) -> bytes:
        """The bytes produced since the last call, once there are at least `XLSX_FLUSH_BYTES` of them."""
        return self._sink.take() if self._sink.size >= XLSX_FLUSH_BYTES else b""

    def finish(self) -> bytes:
        """Close the sheet, write the rest of the workbook and the ZIP directory; the remaining bytes."""
        if self._entry is None:
            self._start()
        self._write_batch()
        self._entry.write(self._tail)
        self._entry.close()
        self.workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _SheetsAlreadyWritten(self.workbook, self._archive).save()
        return self._sink.take()

    def discard(self) -> None:
        """Close the archive of a sheet that will not be finished; the bytes not yet taken are dropped."""
        if self._entry is not None:
            self._entry.close()
        self._archive.close()
        self._sink.take()

    @property
    def closed(self) -> bool:
        """Whether the archive is closed: after `finish` or `discard`."""
        return self._archive.fp is None


def xlsx_chunks(workbook: StreamingWorkbook, header: list[str], rows: Iterator[list]) -> Iterator[bytes]:
    """Write the bold `header`, then `rows`, yielding the XLSX bytes as they are produced, the rest last.

    A failing row or a consumer that stops reading (a closed connection) discards the workbook."""
    try:
        workbook.append(header, bold=True)
        for row in rows:
            workbook.append(row)
            if chunk := workbook.pending():
                yield chunk
        rest = workbook.finish()
    except BaseException:
        workbook.discard()
        raise
    yield rest
