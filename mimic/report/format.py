"""Formatting shared by the report writers: percentages and CSV text (written atomically by the caller)."""

import csv
import io
from typing import Any


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}%"


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
