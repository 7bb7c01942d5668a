"""The workbook's Quality and Data issues sheets: how the personas were made, and what the input files lost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .labels import Labels
from .sheet import COUNT, MEAN, SHARE, TEXT, Sheet, header_case  # noqa: F401 (header_case: tests)


def quality_sheet(sheet: Sheet, labels: Labels, method: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("method.k_table"))
    top = sheet.header(
        [
            t("method.k"),
            t("method.reproducibility"),
            t("method.reference_reproducibility"),
            t("method.stability"),
            t("method.silhouette"),
            t("method.smallest"),
            t("method.smallest_share"),
            t("method.eligible"),
            t("method.chosen"),
        ]
    )
    sheet.freeze(f"A{top + 1}")
    for row in method["k_table"]:
        sheet.line(
            [
                row["k"],
                row["reproducibility"],
                row["reference_reproducibility"],
                row["min_persona_stability"],
                row["silhouette"],
                row["smallest_persona_size"],
                row["smallest_persona_share"],
                t("method.answer_yes") if row["eligible"] else t("method.answer_no"),
                t("method.answer_yes") if row["chosen"] else "",
            ],
            [COUNT, MEAN, MEAN, MEAN, MEAN, COUNT, SHARE, TEXT, TEXT],
        )
    sheet.subtitle(t("method.reference"))
    sheet.header([t("method.metric"), t("method.value")])
    sheet.line([t("method.rule"), method["k_rule"]])
    sheet.line([t("method.outcome"), method["k_rule_outcome"]])
    if method.get("exploratory"):
        sheet.line([t("method.outcome"), t("method.exploratory")])
    sheet.line([t("method.reference"), method["reference_text"]])
    sheet.line([t("method.typing"), method["typing_text"]])
    sheet.line([t("method.calibration"), method["typing_calibration_error"]], [TEXT, MEAN])
    sheet.subtitle(t("method.alphas"))
    sheet.header([t("method.construct"), t("method.alpha")])
    for a in method["alphas"]:
        sheet.line([a["label"], a["alpha"]], [TEXT, MEAN])
    if method["warnings"]:
        sheet.subtitle(t("method.warnings"))
        for w in method["warnings"]:
            sheet.line([w])
    sheet.finish()


def data_issues_sheet(sheet: Sheet, labels: Labels, overview: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("overview.data_quality"))
    top = sheet.header(
        [
            t("overview.file"),
            t("overview.rows_read"),
            t("overview.rows_used"),
            t("overview.rows_rejected"),
        ]
    )
    sheet.freeze(f"A{top + 1}")
    for f in overview["files"]:
        sheet.line(
            [f"{f['label']} ({f['file']})", f["rows_read"], f["rows_used"], f["rows_rejected"]],
            [TEXT, COUNT, COUNT, COUNT],
        )
    sheet.subtitle(t("overview.reason"))
    sheet.header([t("overview.reason"), t("overview.count")])
    for r in overview["rejects"]:
        sheet.line([r["label"], r["count"]], [TEXT, COUNT])
    sheet.line([t("overview.answers_set_missing"), overview["answers_set_missing"]], [TEXT, COUNT])
    sheet.row += 1
    sheet.line([t("overview.reject_note")])
    sheet.finish()
