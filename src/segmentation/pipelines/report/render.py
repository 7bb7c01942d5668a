"""Render the HTML page from the Jinja2 templates shipped in ``templates/``.

The page is self-contained: CSS is inlined, charts are PNG data URIs, and a
Content-Security-Policy forbids any other source, so the page cannot make a
network request even if a template were edited to ask for one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from .labels import Labels

TEMPLATES = Path(__file__).parent / "templates"
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


RANGE = re.compile(r"\d+-\d+")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def environment(hidden_mark: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pct"] = lambda v, digits=0: hidden_mark if _missing(v) else f"{v:.{digits}%}"
    env.filters["num"] = lambda v, digits=2: hidden_mark if _missing(v) else f"{v:.{digits}f}"
    env.filters["count"] = lambda v: hidden_mark if _missing(v) else f"{int(v):,}"
    env.filters["width"] = lambda v: (
        "0" if _missing(v) else f"{max(0.0, min(1.0, float(v))) * 100:.1f}"
    )
    # "30-39" never breaks at its hyphen (a non-breaking hyphen) and, isolated left to right,
    # never reads "39-30" in a right-to-left page.
    env.filters["ranges"] = lambda v: RANGE.sub(
        lambda m: "\u2066" + m.group(0).replace("-", "\u2011") + "\u2069", str(v)
    )
    env.tests["missing"] = _missing
    return env


def takeaway(labels: Labels, key: str, **figures: Any) -> str:
    """A headline sentence, or '' when one of its figures is hidden."""
    if any(_missing(v) for v in figures.values()):
        return ""
    return labels.ui(f"takeaways.{key}", **figures)


def headlines(labels: Labels, situation: Mapping[str, Any]) -> dict[str, str]:
    usage = {u["metric"]: {c["key"]: c["share"] for c in u["cells"]} for u in situation["usage"]}
    social, mobile = usage.get("social_media", {}), usage.get("mobile", {})
    needs = [n for n in situation["needs"] if n["share"] is not None]
    channels = [c for c in situation["channels"] if c["share"] is not None]
    ad = situation["adopters"] or {}  # none without an innovativeness construct
    return {
        "usage": takeaway(
            labels,
            "usage",
            social_high=social.get("high"),
            social_low=social.get("low"),
            mobile_high=mobile.get("high"),
        ),
        "adopters": takeaway(
            labels,
            "adopters",
            innovators=ad.get("innovator_share"),
            conservatives=ad.get("conservative_share"),
        ),
        "needs": takeaway(labels, "needs", label=needs[0]["label"], share=needs[0]["share"])
        if needs
        else "",
        "barriers": takeaway(labels, "barriers", share=situation["barriers_high_share"]),
        "channels": takeaway(
            labels, "channels", label=channels[0]["label"], share=channels[0]["share"]
        )
        if channels
        else "",
    }


def render_html(
    overview: Mapping[str, Any],
    situation: Mapping[str, Any],
    swot: list[dict[str, Any]],
    personas: Mapping[str, Any],
    method: Mapping[str, Any],
    charts: Mapping[str, str],
    report: Mapping[str, Any],
    waves: Mapping[str, Any] | None = None,
) -> str:
    labels = Labels(report)
    env = environment(labels.ui("hidden_mark"))
    template = env.get_template("report.html.j2")
    quadrants = [
        {
            "key": q,
            "label": labels.ui(f"swot.{q}"),
            "items": [s for s in swot if s["quadrant"] == q],
        }
        for q in ("strengths", "weaknesses", "opportunities", "threats")
    ]
    return template.render(
        t=labels.ui,
        labels=labels,
        lang=labels.language,
        direction=labels.direction,
        csp=markupsafe.Markup(CONTENT_SECURITY_POLICY),
        overview=overview,
        situation=situation,
        headlines=headlines(labels, situation),
        quadrants=quadrants,
        personas=personas,
        method=method,
        waves=waves,
        charts=charts,
        min_group=overview["min_group"],
    )


def render_one_pagers(
    overview: Mapping[str, Any],
    personas: Mapping[str, Any],
    method: Mapping[str, Any],
    charts: Mapping[str, str],
    report: Mapping[str, Any],
) -> str:
    """One A4 page per shown persona (the print stylesheet breaks the pages), self-contained like the report."""
    labels = Labels(report)
    template = environment(labels.ui("hidden_mark")).get_template("one_pagers.html.j2")
    return template.render(
        t=labels.ui,
        lang=labels.language,
        direction=labels.direction,
        csp=markupsafe.Markup(CONTENT_SECURITY_POLICY),
        overview=overview,
        personas=personas,
        method=method,
        charts=charts,
        fits=report["personas"]["one_pager"],
        min_group=overview["min_group"],
    )
