"""Sheet writers: XLSX through openpyxl (streamed, `exports.xlsx_stream`) and CSV through `csv`, row by row.

Text cells stay text: SKUs such as `00123` keep their zeros, and a value starting with `=` is never turned
into a formula (in CSV such values get a leading `'`, the usual guard against formula injection).
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from enum import StrEnum
from urllib.parse import quote

from django.utils import timezone
from openpyxl.utils import get_column_letter
from slugify import slugify

from core.spreadsheet import csv_cell_safe
from exports.rows import DATETIME, TEXT, Sheet
from exports.xlsx_stream import StreamingWorkbook, xlsx_chunks


class ExportFormat(StrEnum):
    """The file formats an export can be written in."""

    XLSX = "xlsx"
    CSV = "csv"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {ExportFormat.XLSX: XLSX_CONTENT_TYPE, ExportFormat.CSV: CSV_CONTENT_TYPE}
CSV_BOM = "\ufeff"
CSV_FLUSH_CHARS = 64 * 1024
FILE_NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|\s]+")
FILE_NAME_PART_MAX = 60


def _text_columns(sheet: Sheet) -> list[int]:
    return [index for index, column in enumerate(sheet.columns) if column.kind == TEXT]


def xlsx_stream(sheet: Sheet) -> Iterator[bytes]:
    """Yield `sheet` as XLSX while its rows are read: bold frozen header, autofilter, column widths.

    Every text is a text cell (`exports.xlsx_stream`): SKUs keep their zeros, `=…` never becomes a formula.
    Nothing is built before the first chunk is asked for: a response nobody reads opens no archive.
    """
    streaming = StreamingWorkbook(sheet.title)
    worksheet = streaming.worksheet
    for number, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(number)].width = column.width
    worksheet.freeze_panes = "A2"
    worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{sheet.row_count + 1}"
    yield from xlsx_chunks(streaming, [column.title for column in sheet.columns], sheet.rows)


def csv_stream(sheet: Sheet, *, delimiter: str = ";", bom: bool = True) -> Iterator[bytes]:
    """Yield `sheet` as UTF-8 CSV (with a BOM for Excel by default) in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if bom:
        buffer.write(CSV_BOM)
    writer.writerow([column.title for column in sheet.columns])
    text_columns = _text_columns(sheet)
    datetime_columns = [index for index, column in enumerate(sheet.columns) if column.kind == DATETIME]
    for row in sheet.rows:
        for index in text_columns:
            row[index] = csv_cell_safe(row[index])
        for index in datetime_columns:
            if isinstance(row[index], datetime.datetime):
                row[index] = row[index].strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(row)
        if buffer.tell() >= CSV_FLUSH_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _file_name_part(text: str) -> str:
    return FILE_NAME_UNSAFE.sub("_", text).strip("._")[:FILE_NAME_PART_MAX] or "_"


def export_file_name(*, albums: list[str], skus: tuple[str, ...], extension: str) -> str:
    """`links_<album>[_<sku>]_<YYYYmmdd-HHMM>.<ext>`: the SKU only when exactly one was asked for."""
    album = _file_name_part(albums[0]) + (f"+{len(albums) - 1}" if len(albums) > 1 else "")
    sku = f"_{_file_name_part(skus[0])}" if len(skus) == 1 else ""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"links_{album}{sku}_{stamp}.{extension}"


def attachment_disposition(file_name: str) -> str:
    """`Content-Disposition` for a download: an ASCII fallback plus the real name per RFC 5987."""
    stem, _, extension = file_name.rpartition(".")
    fallback = slugify(stem, lowercase=False, separator="_", regex_pattern=r"[^-a-zA-Z0-9_+]+") or "links"
    return f"attachment; filename=\"{fallback}.{extension}\"; filename*=UTF-8''{quote(file_name, safe='')}"
