"""The page as it is seen: no chart repeated as a table, readable chart text, one page per persona in print."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from segmentation import charts as ch
from tests.conftest import load_parameters

from .browser import console_errors, pdf_page_count

# Widths (CSS px) of the slots a chart can sit in at the page's 1080 px maximum width.
FULL, WIDE_FIRST, HALF = 1000, 575, 480
MIN_FONT_PT = 9  # the smallest font size charts.py uses


def _images(page: str):
    for match in re.finditer(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', page):
        before = page[: match.start()]
        opened = max(
            before.rfind('<div class="two'), before.rfind("<section"), before.rfind("<article")
        )
        slot_tag = before[opened : opened + 40]
        slot = FULL
        if slot_tag.startswith('<div class="two wide-first"'):
            slot = WIDE_FIRST
        elif slot_tag.startswith('<div class="two"'):
            slot = HALF
        width = Image.open(io.BytesIO(base64.b64decode(match.group(1)))).size[0]
        yield match.group(2), width, slot


def test_chart_text_is_at_least_11_px_where_it_is_shown(english_report, hebrew_report):
    dpi = load_parameters("report")["report"]["charts"]["dpi"]
    source = Path(ch.__file__).read_text(encoding="utf-8")
    sizes = [
        float(x) for x in re.findall(r"fontsize[\"']?\s*[=:]\s*([0-9.]+)", source) if float(x) != 12
    ]
    assert sizes and min(sizes) >= MIN_FONT_PT
    for report in (english_report, hebrew_report):
        images = list(_images(report.html))
        assert len(images) >= 10
        for alt, width, slot in images:
            shown_px = MIN_FONT_PT / 72 * dpi * min(1.0, slot / width)
            assert shown_px >= 11, (alt, width, slot, round(shown_px, 1))


def test_no_heatmap_is_repeated_as_a_table(english_report):
    page = english_report.html
    waves = page[page.index('id="waves"') : page.index("</section>", page.index('id="waves"'))]
    for match in re.finditer(r"</figure>\s*(<[a-z0-9]+)", waves):
        assert match.group(1) != "<table", waves[match.start() - 200 : match.start() + 200]


def test_sizes_heatmap_spreads_its_colours_over_the_shares_shown():
    assert ch.data_range([[0.24, 0.2], [0.18, None]]) == (0.18, 0.24)
    assert ch.data_range([[None]]) == (0.0, 1.0)
    assert ch.data_range([[0.2], [0.2]]) == pytest.approx((0.15, 0.25))


def test_print_stylesheet_breaks_before_each_card(english_report):
    css = english_report.html[english_report.html.index("@media print") :]
    assert "article.card { break-before: page;" in css


# The one-pager's columns on A4: the page less its 8 mm margins, halved less the 14 px gap (one_pagers.css).
ONE_PAGER_COLUMN_IN = ((210 - 2 * 8) / 25.4 - 14 / 96) / 2


def test_one_pager_trait_charts_print_their_text_as_large_as_the_body_text(
    english_report, hebrew_report
):
    """Drawn at the column's width and shown at 100% of it, a chart prints at its own size."""
    charts = load_parameters("report")["report"]["charts"]
    size = charts["one_pager"]
    assert size["font_size"] >= MIN_FONT_PT
    for report in (english_report, hebrew_report):
        page = (report.html_path.parent / "persona_one_pagers.html").read_text(encoding="utf-8")
        assert ".one-pager .fit img { width: 100%; }" in page
        shown = [c for c in report.outputs["report_personas"]["cards"] if not c["hidden"]]
        images = re.findall(
            r'<div class="fit"><figure><img src="data:image/png;base64,([^"]+)"', page
        )
        assert len(images) == len(shown)
        for data in images:
            width = Image.open(io.BytesIO(base64.b64decode(data))).size[0]
            assert width == round(size["width"] * charts["dpi"])
            printed_pt = size["font_size"] * ONE_PAGER_COLUMN_IN / size["width"]
            assert printed_pt >= MIN_FONT_PT


def test_one_pagers_print_one_whole_page_per_persona(english_report, hebrew_report, rendered_pages):
    """One page each, and nothing cut off: every page ends with the one-pager's footer."""
    pypdf = pytest.importorskip("pypdf")
    labels = load_parameters("report")["report"]["labels"]
    for report, language in ((english_report, "en"), (hebrew_report, "he")):
        cards = [c for c in report.outputs["report_personas"]["cards"] if not c["hidden"]]
        html = report.html_path.parent / "persona_one_pagers.html"
        assert html.read_text(encoding="utf-8").count('<article class="one-pager"') == len(cards)
        pdf = rendered_pages[f"one_pager_{language}"].pdf
        assert pdf_page_count(pdf) == len(cards)
        footer = labels[language]["one_pager"]["footer"].split("{")[0].strip()
        for number, page in enumerate(pypdf.PdfReader(pdf).pages, start=1):
            assert footer in page.extract_text(), (language, number, "footer cut off")


@pytest.mark.parametrize("language", ["en", "he"])
def test_the_one_pagers_render_offline_without_console_errors(rendered_pages, language):
    """Screenshots to look at ($REPORT_SCREENSHOTS=<folder> keeps them, beside the reports')."""
    shown = rendered_pages[f"one_pager_{language}"]
    image = Image.open(shown.screenshot).convert("L")
    assert image.size[0] >= 900
    # Not blank: the page draws text and charts.
    assert len(set(image.resize((90, 130)).tobytes())) > 20
    assert console_errors(shown.log) == []
