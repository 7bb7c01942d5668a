"""The workbook's Waves sheet: persona identities, sizes over time, movement, adoption, badges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .labels import Labels
from .sheet import COUNT, MEAN, SHARE, TEXT, Sheet


def _identities(sheet: Sheet, t, waves: Mapping[str, Any]) -> None:
    """Which personas kept their identity, which are new, which retired."""
    identities = waves["identities"]
    sheet.subtitle(t("waves.identities"))
    sheet.header(
        [
            t("workbook.section"),
            t("persona.id"),
            t("persona.name"),
            t("waves.distance"),
            t("waves.nearest"),
        ]
    )
    for kind, title in (
        ("matched", identities["matched_title"]),
        ("new", t("waves.new")),
        ("retired", t("waves.retired")),
    ):
        for p in identities[kind]:
            sheet.line(
                [
                    title,
                    p["persona_id"],
                    p["name"],
                    p["distance"],
                    p["nearest"] if kind != "matched" else None,
                ],
                [TEXT, TEXT, TEXT, MEAN, TEXT],
            )
    sheet.line([identities["note"]])


def _sizes(sheet: Sheet, t, waves: Mapping[str, Any]) -> None:
    sizes = waves["sizes"]
    if sizes["rows"]:
        sheet.subtitle(t("waves.sizes"))
        sheet.header([t("persona.persona"), *sizes["waves"]])
        for r in sizes["rows"]:
            sheet.line([r["name"], *r["shares"]], [TEXT, *[SHARE] * len(sizes["waves"])])


def _migration(sheet: Sheet, t, waves: Mapping[str, Any]) -> None:
    """Who moved between personas: counts from each persona to each, and the net flows."""
    migration = waves["migration"]
    sheet.subtitle(t("waves.migration"))
    if migration["available"]:
        if migration["headline"]:
            sheet.line([migration["headline"]])
        sheet.header(
            [
                f"{migration['from_title']} → {migration['to_title']}",
                *migration["columns"],
                t("waves.then"),
            ]
        )
        for name, counts, total in zip(
            migration["rows"], migration["counts"], migration["row_totals"], strict=True
        ):
            sheet.line([name, *counts, total], [TEXT, *[COUNT] * (len(counts) + 1)])
        sheet.line(
            [t("waves.now"), *migration["column_totals"]],
            [TEXT, *[COUNT] * len(migration["column_totals"])],
        )
        sheet.subtitle(t("waves.net_flows"))
        keys = ("then", "stayed", "moved_out", "moved_in", "now", "net")
        sheet.header([t("persona.persona"), *[t(f"waves.{k}") for k in keys]])
        for f in migration["flows"]:
            sheet.line(
                [f["name"] + (f" ({f['mark']})" if f["mark"] else ""), *[f[k] for k in keys]],
                [TEXT, *[COUNT] * len(keys)],
            )
        sheet.line([migration["note"]])
    else:
        sheet.line([migration["message"]])


def _adoption(sheet: Sheet, t, adoption: Mapping[str, Any]) -> None:
    """Adoption measures against their targets, the activity log's rows and the trend."""
    sheet.subtitle(t("waves.adoption"))
    sheet.line([adoption["headline"] or adoption["message"]])
    sheet.header(
        [
            t("waves.measure"),
            t("waves.definition"),
            t("waves.share"),
            t("waves.target"),
            t("waves.benchmark"),
            t("waves.status"),
        ]
    )
    for d in adoption["definitions"]:
        sheet.line(
            [d["label"], d["definition"], d["share"], d["target"], d["benchmark"], d["status"]],
            [TEXT, TEXT, SHARE, SHARE, SHARE, TEXT],
        )
    sheet.line([adoption["definitions_note"]])
    if adoption["activity_line"]:
        sheet.line([adoption["activity_line"]])
        for r in adoption["rejects"]:
            sheet.line([r["label"], r["count"]], [TEXT, COUNT])
    trend = adoption["trend"]
    if trend["waves"]:
        sheet.subtitle(t("waves.trend"))
        sheet.header([t("waves.measure"), *trend["waves"]])
        for r in trend["rows"]:
            sheet.line([r["label"], *r["shares"]], [TEXT, *[SHARE] * len(trend["waves"])])


def _adoption_groups(sheet: Sheet, t, adoption: Mapping[str, Any]) -> None:
    """Adoption by persona (the funnel, with respondents and inferred) and by unit."""
    if adoption["measured"]:
        for block in adoption["groups"]:
            persona = block["dimension"] == "persona"
            sheet.subtitle(t("waves.funnel") if persona else block["title"])
            extra = [t("waves.respondents"), t("waves.inferred")] if persona else []
            sheet.header(
                [
                    t("overview.group"),
                    t("waves.population"),
                    *extra,
                    *adoption["metric_labels"],
                    t("waves.status"),
                ]
            )
            for r in block["rows"]:
                counts = [r["population"], *([r["respondents"], r["inferred"]] if persona else [])]
                status = "; ".join(
                    f"{m}: {s}"
                    for m, s in zip(adoption["metric_labels"], r["status"], strict=True)
                    if s
                )
                sheet.line(
                    [r["label"], *counts, *r["shares"], status],
                    [TEXT, *[COUNT] * len(counts), *[SHARE] * len(r["shares"]), TEXT],
                )
            if persona:
                sheet.line([t("waves.funnel_note")])


def _badges(sheet: Sheet, t, waves: Mapping[str, Any]) -> None:
    sheet.subtitle(t("waves.badges"))
    sheet.header(
        [
            t("waves.badge"),
            t("waves.units"),
            t("waves.status"),
            t("waves.value"),
            t("persona.description"),
        ]
    )
    for b in waves["badges"]:
        sheet.line([b["name"], b["units"], b["status"], b["value"], b["description"]])


def waves_sheet(sheet: Sheet, labels: Labels, waves: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("sections.waves"))
    for line in waves["lines"]:
        sheet.line([line])
    sheet.freeze("A2")
    _identities(sheet, t, waves)
    _sizes(sheet, t, waves)
    _migration(sheet, t, waves)
    _adoption(sheet, t, waves["adoption"])
    _adoption_groups(sheet, t, waves["adoption"])
    _badges(sheet, t, waves)
    sheet.finish()
