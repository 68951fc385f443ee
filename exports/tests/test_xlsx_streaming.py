import datetime
import io

import pytest
from openpyxl import load_workbook

from exports import sheets
from exports.rows import TEXT, Column, Sheet
from exports.sheets import xlsx_stream
from exports.xlsx_stream import XLSX_FLUSH_BYTES, StreamingWorkbook, xlsx_chunks

ROWS = 20_000


def test_first_bytes_leave_before_the_last_row_is_read():
    read = []

    def rows():
        for number in range(ROWS):
            read.append(number)
            yield [f"SKU-{number:06d}", f'=HYPERLINK("x")\x01{number}', "https://example.test/a-long-link"]

    columns = [Column("SKU", TEXT, 20), Column("Note", TEXT, 30), Column("Link", TEXT, 40)]
    chunks = xlsx_stream(Sheet("Links", columns, rows(), ROWS, ()))
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and len(first) >= XLSX_FLUSH_BYTES
    assert 0 < len(read) < ROWS
    workbook = load_workbook(io.BytesIO(first + b"".join(chunks)))
    sheet = workbook.active
    assert len(read) == ROWS
    assert sheet.max_row == ROWS + 1
    assert sheet.auto_filter.ref == f"A1:C{ROWS + 1}"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == '=HYPERLINK("x")0'  # text, control char gone
    assert sheet[f"A{ROWS + 1}"].value == f"SKU-{ROWS - 1:06d}"


def test_an_empty_sheet_is_a_valid_workbook():
    chunks = xlsx_stream(Sheet("Empty", [Column("SKU", TEXT, 20)], iter(()), 0, ()))
    sheet = load_workbook(io.BytesIO(b"".join(chunks))).active
    assert [cell.value for cell in sheet[1]] == ["SKU"] and sheet.max_row == 1


def test_values_keep_their_types_and_text_is_never_a_formula_or_an_error():
    uploaded = datetime.datetime(2026, 3, 1, 12, 30, 15)
    texts = ["00123", "=1+2", "#N/A", "  spaced  ", "a<b & c>d"]
    row = [*texts, 42, 2.5, True, uploaded, None, "", "x" * 40_000]
    columns = [Column(f"C{n}", TEXT, 10) for n in range(len(row))]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx_stream(Sheet("T", columns, iter([row]), 1, ()))))).active
    values = [cell.value for cell in sheet[2]]
    assert values[:9] == [*texts, 42, 2.5, True, uploaded]
    assert [cell.data_type for cell in sheet[2]][:5] == ["s"] * 5
    assert sheet["I2"].is_date and values[9] is None and values[10] is None
    assert values[11] == "x" * 32_767


def test_aware_datetimes_are_refused():
    aware = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    chunks = xlsx_stream(Sheet("T", [Column("When", TEXT, 10)], iter([[aware]]), 1, ()))
    with pytest.raises(TypeError):
        b"".join(chunks)


def test_a_sheet_failing_midway_closes_its_archive():
    workbook = StreamingWorkbook("T")
    rows = iter([["fine"], [datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)]])
    with pytest.raises(TypeError):
        b"".join(xlsx_chunks(workbook, ["When"], rows))
    assert workbook.closed


def test_a_sheet_whose_reader_stops_closes_its_archive():
    workbook = StreamingWorkbook("T")
    chunks = xlsx_chunks(workbook, ["SKU"], ([f"SKU-{number:06d}"] for number in range(ROWS)))
    next(chunks)
    assert not workbook.closed
    chunks.close()
    assert workbook.closed


def test_a_sheet_nobody_reads_opens_no_archive(monkeypatch):
    built = []

    def counted(title: str) -> StreamingWorkbook:
        built.append(title)
        return StreamingWorkbook(title)

    monkeypatch.setattr(sheets, "StreamingWorkbook", counted)
    chunks = xlsx_stream(Sheet("Unread", [Column("SKU", TEXT, 20)], iter([["A-1"]]), 1, ()))
    assert built == []
    assert load_workbook(io.BytesIO(b"".join(chunks))).active["A2"].value == "A-1"
    assert built == ["Unread"]
