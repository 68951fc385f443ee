"""Cells for the spreadsheets the product writes: the one guard against formula injection in CSV."""

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_safe(value: object) -> object:
    """A CSV cell for `value`: text a spreadsheet would run as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return value
