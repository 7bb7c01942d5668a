"""The report pipeline through Kedro with the project's catalog entries: what the two files show."""

from __future__ import annotations

import copy
import html
import re
import zipfile
from io import BytesIO

from kedro.config import OmegaConfigLoader

from segmentation.anonymity import OTHER
from segmentation.pipelines.report import create_pipeline, nodes
from tests.conftest import PROJECT_ROOT
from tests.undrawn_charts import charts_undrawn

from .conftest import report_figures
from .helpers import FORMULA_TEXT, SMALL_DEPARTMENT, anonymity_params, report_params

K = anonymity_params()["min_group_size"]
SECTIONS = ("overview", "situation", "swot", "personas", "waves", "method")
SHEETS = ["Overview", "Situation", "Personas", "Playbook", "Waves", "Quality", "Data issues"]


def test_pipeline_nodes_are_named_and_read_the_interface_datasets():
    pipeline = create_pipeline()
    assert all(n.name for n in pipeline.nodes)
    assert {
        "employees",
        "construct_scores",
        "persona_assignments",
        "persona_profiles",
        "persona_summary",
        "playbook",
        "ingestion_summary",
        "open_text",
        "params:report",
        "params:anonymity",
    } <= pipeline.inputs()
    assert pipeline.outputs() == {
        "persona_report_html",
        "persona_one_pagers_html",
        "persona_report_xlsx",
    }


def test_project_parameters_and_catalog_load_with_kedro():
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base")
    assert loader["parameters"]["report"]["language"] == "en"
    catalog = loader["catalog"]
    assert {"persona_report_html", "persona_report_xlsx"} <= set(catalog)


def test_html_is_one_self_contained_page_with_every_section(english_report):
    page = english_report.html
    assert english_report.html_path.name == "persona_report.html"
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en" dir="ltr">' in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for section in SECTIONS:
        assert f'id="{section}"' in page
    # Nothing to fetch: every src is a data URI, no stylesheet or script links, no web fonts.
    assert all(
        src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]*)"', page)
    )
    assert (
        "<script" not in page
        and "<link" not in page
        and "@import" not in page
        and "@font-face" not in page
    )
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert len(re.findall(r'src="data:image/png', page)) >= 10


def test_situation_comes_before_swot_and_the_cards(english_report):
    page = english_report.html
    positions = [page.index(f'id="{s}"') for s in SECTIONS]
    assert positions == sorted(positions)
    assert page.count('class="card"') == 4


def test_swot_statements_quote_their_figure(english_report):
    swot = english_report.outputs["report_swot"]
    assert {s["quadrant"] for s in swot} == {"strengths", "weaknesses", "opportunities", "threats"}
    for item in swot:
        assert f"{item['value']:.0%}" in item["text"]
        assert item["text"] in html.unescape(english_report.html)


def test_persona_cards_carry_the_playbook_and_the_workbook_its_rule_ids(english_report):
    page = html.unescape(english_report.html)
    assert "Social Trailblazers" in page and "Find who knows, in minutes" in page
    assert "Who has run a supplier audit in Germany?" in page
    cells = english_report.workbook_text()
    for rule in (
        "channels.scoring",
        "product.message_angle",
        "gamification.light",
        "training.help_desk.standard",
    ):
        assert rule not in page
        assert rule in cells
    # A share that could describe fewer than K people, quoted by the campaign text, is hidden.
    assert "2% remote" not in page


def test_a_three_person_department_shows_nowhere_and_cannot_be_derived(english_report, world):
    assert SMALL_DEPARTMENT not in english_report.html
    assert SMALL_DEPARTMENT not in english_report.workbook_text()
    overview = english_report.outputs["report_overview"]
    named = [d for d in overview["departments"] if d["key"] != OTHER]
    other = [d for d in overview["departments"] if d["key"] == OTHER]
    # The total minus the named departments is the combined group, never the small department alone.
    assert len(other) == 1 and other[0]["headcount"] >= K
    assert overview["n_active"] - sum(d["headcount"] for d in named) == other[0]["headcount"]
    active = world.employees[world.employees["employment_status"] == "active"]
    assert other[0]["headcount"] != int((active["department"] == SMALL_DEPARTMENT).sum())
    for block in english_report.outputs["report_situation"]["breakdowns"]:
        if block["dimension"] == "department":
            assert SMALL_DEPARTMENT not in {r["key"] for r in block["rows"]}
            for row in block["rows"]:
                assert row["n"] >= K and row["headcount"] >= K
                # Head count minus respondents (the non-respondents) is no small group either.
                assert row["headcount"] - row["n"] == 0 or row["headcount"] - row["n"] >= K


def _numbers(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _numbers(v, key)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield key, node


def test_no_figure_describes_a_small_group(english_report):
    outputs = english_report.outputs
    counts = {
        "count",
        "headcount",
        "n",
        "size",
        "inferred",
        "total",
        "n_active",
        "n_respondents",
        "smallest_persona_size",
    }
    for name in ("report_overview", "report_situation", "report_personas", "report_method"):
        for key, value in _numbers(outputs[name]):
            if (
                key in counts
                and name != "report_overview"
                or key in {"headcount", "n_active", "n_respondents"}
            ):
                assert not (0 < value < K), f"{name}.{key} = {value}"
    # The k table's 3-person smallest persona is hidden, and so is the warning's count.
    assert all(
        r["smallest_persona_size"] is None or r["smallest_persona_size"] >= K
        for r in outputs["report_method"]["k_table"]
    )
    assert not any("3 people" in w for w in outputs["report_method"]["warnings"])


def test_workbook_sheets_styles_and_safe_text(english_report):
    wb = english_report.workbook()
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None
        assert ws["A1"].font.bold or ws["A1"].fill.fgColor.rgb not in (None, "00000000")
    personas = wb["Personas"]
    descriptions = [
        c.value for row in personas.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert "'" + FORMULA_TEXT in descriptions
    assert not any(
        isinstance(c.value, str) and c.value.startswith("=")
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
    )
    assert wb["Playbook"].conditional_formatting
    shares = [c for c in wb["Overview"]["C"] if isinstance(c.value, float)]
    assert shares and all(c.number_format == "0%" for c in shares)
    issues = "\n".join(
        str(c.value) for row in wb["Data issues"].iter_rows() for c in row if c.value is not None
    )
    assert "Incomplete response" in issues and "pid0" not in issues


def test_workbook_has_fixed_properties_and_dates(english_report):
    wb = english_report.workbook()
    assert wb.properties.created.isoformat().startswith("2030-01-01")
    assert wb.properties.modified == wb.properties.created
    with zipfile.ZipFile(BytesIO(english_report.xlsx)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_hebrew_report_is_right_to_left_with_hebrew_names(hebrew_report):
    page = hebrew_report.html
    assert '<html lang="he" dir="rtl">' in page
    assert "פורצי דרך חברתיים" in page and "ניתוח מצב" in page
    wb = hebrew_report.workbook()
    assert wb.sheetnames == [
        "סקירה",
        "ניתוח מצב",
        "פרסונות",
        "תוכנית פעולה",
        "גלים",
        "איכות",
        "בעיות בנתונים",
    ]
    assert all(ws.sheet_view.rightToLeft for ws in wb.worksheets)


def test_open_text_is_off_by_default(english_report):
    assert "<blockquote>" not in english_report.html
    assert all(not c.get("quotes") for c in english_report.outputs["report_personas"]["cards"])


def test_open_text_when_enabled_is_scrubbed_and_needs_ten_respondents(world):
    figures = report_figures(world, show_open_text=True)
    cards = [c for c in figures["report_personas"]["cards"] if not c["hidden"]]
    quotes = [q for c in cards for q in c["quotes"]]
    assert quotes
    joined = " ".join(quotes)
    assert "Dana" not in joined and "@" not in joined and "4567" not in joined
    figures = report_figures(
        world,
        show_open_text=True,
        open_text={**figures_params()["open_text"], "min_persona_respondents": 10_000},
    )
    assert all(not c.get("quotes") for c in figures["report_personas"]["cards"] if not c["hidden"])


def figures_params():
    from .helpers import report_params

    return report_params()


def test_the_playbook_reaches_the_cards_in_the_reports_language(world):
    cards = report_figures(world, language="he")["report_personas"]["cards"]
    card = next(c for c in cards if c["persona_id"] == "P1")
    assert card["has_playbook"]
    chosen = {c["label"]: c["rule_id"] for c in card["channels"]}
    assert chosen == {"התראות בנייד": "channels.scoring", "המנהל/ת": "channels.scoring"}
    chosen_need = next(n for n in card["needs"] if n["proposition"]["rule_id"])
    assert chosen_need["proposition"]["title"] == "למצוא מי יודע, תוך דקות"
    assert chosen_need["proposition"]["examples"] == ["מישהו כבר ערך ביקורת ספקים בגרמניה?"]
    product = next(p for p in card["four_ps"] if p["key"] == "product")
    assert [r["rule_id"] for r in product["items"]] == [
        "product.message_angle",
        "product.tone.plain",
    ]
    assert [r["rule_id"] for r in card["help_desk"]] == ["training.help_desk.standard"]
    assert [r["rule_id"] for r in card["training"]] == ["training.short_videos"]


def test_cards_without_a_playbook_entry_still_render(world):
    from dataclasses import replace

    figures = report_figures(replace(world, playbook={}))
    cards = [c for c in figures["report_personas"]["cards"] if not c["hidden"]]
    assert cards and all(c["channels"] and c["tone"]["do"] for c in cards)
    assert not any(c["has_playbook"] for c in cards)


def test_a_breakdown_with_no_figures_draws_no_empty_heatmap(world):
    """A custom survey without needs, channels or the other standard figures (the real UTAUT2
    file): its by-department breakdown has rows but no metric; seaborn drew an empty heatmap."""
    figures = report_figures(world)
    situation = copy.deepcopy(figures["report_situation"])
    assert situation["breakdowns"], "the world has breakdowns to strip"
    for block in situation["breakdowns"]:
        block["metric_keys"], block["metric_labels"] = [], []
        for row in block["rows"]:
            row["metrics"] = {}
    with charts_undrawn():  # which charts are asked for is the question, not how they look
        charts = nodes.draw_report_charts(
            figures["report_overview"], situation, figures["report_personas"], report_params()
        )
        full = nodes.draw_report_charts(
            figures["report_overview"],
            figures["report_situation"],
            figures["report_personas"],
            report_params(),
        )
    for block in situation["breakdowns"]:
        assert f"by_{block['dimension']}" not in charts
        assert f"age_by_{block['dimension']}" in charts
    assert all(
        f"by_{block['dimension']}" in full for block in figures["report_situation"]["breakdowns"]
    )


def test_the_tone_to_use_is_the_campaigns(world):
    """The campaign chooses each persona's tone (four_ps.product.tone); the report's own rules
    add only what to avoid. It always fell back to its own rules before."""
    for language, text in (("en", "Friendly and concrete."), ("he", "ידידותי וקונקרטי.")):
        cards = report_figures(world, language=language)["report_personas"]["cards"]
        shown = [c for c in cards if not c["hidden"]]
        assert shown
        for card in shown:
            assert card["tone"]["do"] == [text]
            assert card["tone"]["rules"][0] == "product.tone.plain"
            assert card["tone"]["dont"] and len(card["tone"]["rules"]) == 1 + len(
                card["tone"]["dont"]
            )
