"""A sheet written in an export format, chunk by chunk, its duration observed when the last chunk is taken
(or the client goes away): what the streaming answer and the background job both send."""

import time
from collections.abc import Iterator

from exports.metrics import EXPORT_DURATION
from exports.rows import Sheet
from exports.sheets import ExportFormat, csv_stream, xlsx_stream
from exports.spec import ExportSpec


def _timed(chunks: Iterator[bytes], *, fmt: ExportFormat, started: float) -> Iterator[bytes]:
    """`chunks`, observing the export's duration when the last one is sent or the client goes away."""
    try:
        yield from chunks
    finally:
        EXPORT_DURATION.labels(fmt.value).observe(time.monotonic() - started)


def export_chunks(*, spec: ExportSpec, fmt: ExportFormat, sheet: Sheet) -> Iterator[bytes]:
    """`sheet` written in `fmt`, chunk by chunk, its duration observed when the last chunk is taken."""
    started = time.monotonic()
    if fmt == ExportFormat.XLSX:
        stream = xlsx_stream(sheet)
    else:
        stream = csv_stream(sheet, delimiter=spec.csv_delimiter, bom=spec.csv_bom)
    return _timed(stream, fmt=fmt, started=started)
