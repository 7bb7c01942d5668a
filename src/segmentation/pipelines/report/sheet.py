"""A worksheet written row by row: styled headers, number formats, sized columns, header case."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from segmentation.safe_export import neutralise_workbook_text

SHARE, MEAN, COUNT, TEXT = "share", "mean", "count", "text"


class Sheet:
    """A worksheet written row by row, with styled headers and sized columns."""

    def __init__(self, ws: Worksheet, params: Mapping[str, Any], rtl: bool, language: str = "en"):
        self.ws = ws
        self.language = language
        self.params = params
        self.row = 1
        self.widths: dict[int, float] = {}
        self.header_fill = PatternFill(
            "solid", start_color=params["header_fill"], end_color=params["header_fill"]
        )
        self.header_font = Font(bold=True, color=params["header_font"])
        self.formats = {
            SHARE: params["share_format"],
            MEAN: params["mean_format"],
            COUNT: params["count_format"],
        }
        ws.sheet_view.rightToLeft = rtl
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    def _set(self, column: int, value: Any, kind: str = TEXT, sized: bool = True) -> None:
        if isinstance(value, float) and value != value:  # NaN
            value = None
        if isinstance(value, str):
            value = neutralise_workbook_text(value)
        cell = self.ws.cell(row=self.row, column=column, value=value)
        if kind in self.formats and value is not None and not isinstance(value, str):
            cell.number_format = self.formats[kind]
        if isinstance(value, str) and (len(value) > 60 or "\n" in value):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            cell.alignment = Alignment(vertical="top")
        if sized:
            length = (
                max((len(x) for x in str(value).split("\n")), default=0) if value is not None else 0
            )
            self.widths[column] = max(
                self.widths.get(column, 0), min(length, self.params["max_column_width"])
            )

    def title(self, text: str) -> None:
        self._set(1, text, sized=False)
        self.ws.cell(row=self.row, column=1).font = Font(
            bold=True, size=14, color=self.params["header_fill"]
        )
        self.row += 1

    def subtitle(self, text: str) -> None:
        self.row += 1
        self._set(1, text, sized=False)
        self.ws.cell(row=self.row, column=1).font = Font(bold=True, size=12)
        self.row += 1

    def header(self, names: Sequence[str]) -> int:
        names = [header_case(n, self.language) for n in names]
        for i, name in enumerate(names, start=1):
            self._set(i, name, sized=False)
            self.widths[i] = max(self.widths.get(i, 0), min(len(name), 18))
            cell = self.ws.cell(row=self.row, column=i)
            cell.fill = self.header_fill
            cell.font = self.header_font
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        header_row = self.row
        self.row += 1
        return header_row

    def line(self, values: Sequence[Any], kinds: Sequence[str] | None = None) -> None:
        kinds = kinds or [TEXT] * len(values)
        for i, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
            self._set(i, value, kind)
        self.row += 1

    def bar_chart(
        self,
        title: str,
        categories: tuple[int, int, int],
        values: list[tuple[int, int, int]],
        anchor: str,
        *,
        percent: bool = False,
        from_rows: bool = False,
    ) -> None:
        """A native Excel bar chart of cells of this sheet, so the figures stay editable.

        ``categories`` is (column, first row, last row) of the labels (a row
        range when ``from_rows``: (row, first column, last column)); each of
        ``values`` is (column, title row, last row) (or (row, title column,
        last column) when ``from_rows``).
        """
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None if len(values) == 1 else chart.legend
        chart.height = max(6.0, 0.7 * (categories[2] - categories[1] + 1) * len(values) + 2.5)
        chart.width = 16
        for line, first, last in values:
            if from_rows:
                ref = Reference(self.ws, min_row=line, max_row=line, min_col=first, max_col=last)
            else:
                ref = Reference(self.ws, min_col=line, max_col=line, min_row=first, max_row=last)
            chart.add_data(ref, titles_from_data=True, from_rows=from_rows)
        line, first, last = categories
        if from_rows:
            chart.set_categories(
                Reference(self.ws, min_row=line, max_row=line, min_col=first, max_col=last)
            )
        else:
            chart.set_categories(
                Reference(self.ws, min_col=line, max_col=line, min_row=first, max_row=last)
            )
        chart.y_axis.number_format = "0%" if percent else "0.0"
        chart.y_axis.majorGridlines = None
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if percent:
            chart.y_axis.scaling.min = 0
        self.ws.add_chart(chart, anchor)

    def freeze(self, cell: str) -> None:
        self.ws.freeze_panes = cell

    def finish(self, fixed: Mapping[int, float] | None = None, wrap: bool = False) -> None:
        """Size columns to their text (or to ``fixed`` widths), wrap (all text when ``wrap``) and size rows."""
        widths = {column: max(8.0, width + 2.0) for column, width in self.widths.items()}
        widths.update(fixed or {})
        if wrap:
            for row in self.ws.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in widths.items():
            self.ws.column_dimensions[get_column_letter(column)].width = width
        # Wrapped cells: tall enough rows (spreadsheets do not grow rows set by a program).
        for row in self.ws.iter_rows():
            lines = 1
            for cell in row:
                if (
                    isinstance(cell.value, str)
                    and cell.alignment is not None
                    and cell.alignment.wrap_text
                ):
                    width = max(1, int(widths.get(cell.column, 10)) - 1)
                    lines = max(
                        lines,
                        sum(
                            max(1, math.ceil(len(part) / width)) for part in cell.value.split("\n")
                        ),
                    )
            if lines > 1:
                self.ws.row_dimensions[row[0].row].height = 15 * lines


SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "in",
    "incl.",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "with",
}


def header_case(text: str, language: str) -> str:
    """Column headers in title case in English ("Active Headcount"); other scripts as written."""
    if language != "en" or not text:
        return text
    words = str(text).split(" ")
    return " ".join(
        w
        if (i and w.lower() in SMALL_WORDS) or not w[:1].isalpha() or not w[:1].islower()
        else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )
