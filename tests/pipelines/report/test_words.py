"""The page speaks to content creators: words in the main body, the machinery in the appendix and workbook."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from segmentation.pipelines.report import nodes
from segmentation.pipelines.report.labels import Labels
from segmentation.pipelines.report.situation import _adopters_definition
from tests.conftest import load_parameters
from tests.undrawn_charts import charts_undrawn

from .conftest import build_report, report_figures, value_proposition_params
from .helpers import FORMULA_TEXT, anonymity_params, report_params

# A dotted id such as product.message_angle; a data file's name (roster.xlsx) is not one.
RULE_ID = re.compile(r"\b[a-z_]+\.(?!(?:xlsx|csv|json|png|html)\b)[a-z_]+(?:\.[a-z_]+)*\b")
MACHINERY = re.compile(
    r"conf/|parameters_\w+\.yml|\.yml\b|\bnan\b|\bNone\b|[+-]\d+(?:\.\d+)?\s?sd\b|\bscore \d+\.\d+|\bOutcome\b|\bz\s?=",
)


class VisibleText(HTMLParser):
    """Text a reader sees inside <main> (no style, script or attribute text)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = {"main": 0, "style": 0, "script": 0}
        self.lines: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag):
        if tag in self.depth:
            self.depth[tag] -= 1

    def handle_data(self, data):
        if (
            self.depth["main"]
            and not self.depth["style"]
            and not self.depth["script"]
            and data.strip()
        ):
            self.lines.append(data.strip())


def main_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    return parser.lines


def test_main_body_shows_no_rule_id_path_or_statistic(english_report):
    lines = main_text(english_report.html)
    assert len(lines) > 200
    # The fixture's hostile HR value is shown as text on purpose; it is data, not machinery.
    for line in (x.replace(FORMULA_TEXT, "") for x in lines):
        assert not RULE_ID.search(line), line
        assert not MACHINERY.search(line), line


def test_main_body_of_the_hebrew_page_is_as_clean(hebrew_report):
    for line in (x.replace(FORMULA_TEXT, "") for x in main_text(hebrew_report.html)):
        assert not RULE_ID.search(line), line
        assert not MACHINERY.search(line), line


def test_the_checker_catches_machinery():
    page = "<main><p>Lead with it [rule product.message_angle]</p><p>+0.78 sd; score 1.143</p><p>nan</p></main><p>swot.s.x</p>"
    lines = main_text(page)
    assert lines == ["Lead with it [rule product.message_angle]", "+0.78 sd; score 1.143", "nan"]
    assert RULE_ID.search(lines[0]) and MACHINERY.search(lines[1]) and MACHINERY.search(lines[2])


def test_method_and_audit_pointer_sit_in_the_appendix(english_report):
    page = english_report.html
    assert page.index("</main>") < page.index('id="appendix"') < page.index('id="method"')
    assert "Playbook sheet" in page[page.index('id="appendix"') :]


def _shown_percentages(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"(\d+)%", text)]


def test_channels_are_listed_in_the_order_of_the_share_shown(english_report):
    page = english_report.html
    lists = re.findall(r'<ol class="channels">(.*?)</ol>', page, flags=re.S)
    assert len(lists) == 4
    for block in lists:
        shares = _shown_percentages(block)
        assert shares == sorted(shares, reverse=True), shares
    for card in english_report.outputs["report_personas"]["cards"]:
        shown = [c["share"] for c in card.get("channels", []) if c["share"] is not None]
        assert shown == sorted(shown, reverse=True)
        assert [c["position"] for c in card.get("channels", [])] == list(
            range(1, len(card.get("channels", [])) + 1)
        )


def test_every_need_shown_has_a_message_or_says_none_is_written(english_report):
    page = english_report.html
    blocks = re.findall(r'<div class="need">(.*?)\n      </div>', page, flags=re.S)
    assert blocks
    for block in blocks:
        assert 'class="headline"' in block or "No message is written for this need yet" in block
    # a need with texts in the playbook shows them, whether or not the campaign picked it
    configured = set(value_proposition_params()["needs"])
    cards = english_report.outputs["report_personas"]["cards"]
    needs = [n for c in cards if not c["hidden"] for n in c["needs"]]
    assert needs
    for need in needs:
        assert (need["proposition"] is not None) == (need["key"] in configured), need["key"]


def test_a_need_without_texts_in_the_playbook_says_so(world):
    figures = report_figures(world)
    shown = {
        n["key"] for c in figures["report_personas"]["cards"] if not c["hidden"] for n in c["needs"]
    }
    picked = {
        vp["need"]
        for entry in world.playbook.values()
        for vp in entry.get("value_propositions", [])
    }
    unpicked = sorted(shown - picked)
    assert unpicked, "the sample world shows a need the campaign did not pick"
    texts = value_proposition_params()
    without = {**texts, "needs": {k: v for k, v in texts["needs"].items() if k != unpicked[0]}}
    playbook, profiles, _ = nodes.read_handoffs(
        world.playbook, world.persona_profiles, world.persona_summary, report_params()
    )
    cards = nodes.build_persona_cards(
        figures["report_base"],
        profiles,
        playbook,
        world.open_text,
        report_params(),
        anonymity_params(),
        without,
    )["cards"]
    found = [n for c in cards if not c["hidden"] for n in c["needs"] if n["key"] == unpicked[0]]
    assert found and all(n["proposition"] is None for n in found)


def test_a_playbook_that_ranks_a_less_preferred_channel_first_is_reordered(world):
    playbook = {k: dict(v) for k, v in world.playbook.items()}
    first = dict(playbook["P1"])
    top = first["channels"]["top"]
    first["channels"] = {
        **first["channels"],
        "top": [
            {**top[0], "channel": "email", "construct": "channel_email", "rank": 1},
            {**top[1], "channel": "chat", "construct": "channel_chat", "rank": 2},
        ],
    }
    playbook["P1"] = first
    world_copy = type(world)(**{**world.__dict__, "playbook": playbook})
    cards = report_figures(world_copy)["report_personas"]["cards"]  # as build_report's outputs
    card = next(c for c in cards if c["persona_id"] == "P1")
    labels = [c["key"] for c in card["channels"]]
    # P1 prefers chat (mean 4.4) far more than email (3.0): chat is listed first.
    assert labels == ["channel_chat", "channel_email"]


def _blocks(card):
    yield card["adopter_mix"]
    yield from card["demographics"].values()


def test_every_distribution_on_every_card_adds_up(english_report):
    cards = [c for c in english_report.outputs["report_personas"]["cards"] if not c["hidden"]]
    assert cards
    hidden_somewhere = False
    for card in cards:
        for block in _blocks(card):
            total = sum(c["percent"] for c in block["cells"]) + block["hidden_percent"]
            assert total == 100, (card["persona_id"], block)
            assert abs(sum(c["share"] for c in block["cells"]) + block["hidden_share"] - 1) < 1e-9
            for hidden in block["hidden"]:
                assert hidden["reason"] in {"small", "complement"}
            hidden_somewhere |= bool(block["hidden"])
    # The page shows the same figures: each mix's percentages add up to 100.
    for mix in re.findall(r'<div class="mix">(.*?)</div>\n</div>', english_report.html, flags=re.S):
        assert sum(int(x) for x in re.findall(r'<span class="pct">(\d+)%</span>', mix)) == 100


def test_every_distribution_in_the_workbook_adds_up(english_report):
    ws = english_report.workbook()["Personas"]
    mixes = {"Adopter mix", "age band", "work pattern", "department", "site", "job level"}
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] in mixes]
    assert len(rows) == len(mixes)
    for row in rows:
        for text in row[1:]:
            assert sum(_shown_percentages(text)) == 100, (row[0], text)


def test_respondent_counts_that_differ_are_explained(world, english_report, tmp_path):
    summary = {
        **world.ingestion_summary,
        "files": {k: dict(v) for k, v in world.ingestion_summary["files"].items()},
    }
    survey = summary["files"]["survey"]
    report = english_report  # built from this world's own ingestion summary
    overview = report.outputs["report_overview"]
    extra = survey["rows_used"] - overview["n_respondents"]
    assert overview["not_active_respondents"] == max(0, extra)
    text = re.sub(r"\s+", " ", " ".join(main_text(report.html)))
    if extra > 0:
        assert (
            f"{survey['rows_used']:,} survey answers were used; {extra:,} of them from people no longer active"
            in text
        )
    survey["rows_used"] = overview["n_respondents"] + 2
    with charts_undrawn():  # the words are the question
        report = build_report(
            type(world)(**{**world.__dict__, "ingestion_summary": summary}), tmp_path / "again"
        )
    text = re.sub(r"\s+", " ", " ".join(main_text(report.html)))
    assert (
        f"2 of them from people no longer active at the wave's date (on leave or gone), so the report's figures count {overview['n_respondents']:,} respondents"
        in text
    )


PROPER_NAMES = {
    "P",
    "QR",
    "Teams",
    "Slack",
    "SWOT",
    "CEO",
}  # persona ids (P1), products and acronyms kept in Latin script


def test_hebrew_page_has_no_latin_word_but_names_and_untranslated_hr_values(hebrew_report, world):
    from tests.conftest import load_parameters

    values = load_parameters("report")["report"]["values"]
    untranslated = {
        str(v)
        for dim in ("department", "site", "org_unit", "work_pattern", "job_level")
        if dim in world.employees
        for v in world.employees[dim].dropna().unique()
        if not (values.get(dim) or {}).get(str(v), {}).get("he")
    }
    english_names = {
        w
        for c in hebrew_report.outputs["report_personas"]["cards"]
        for w in str(c.get("other_name", "")).split()
    }
    allowed = (
        PROPER_NAMES
        | english_names
        | {w for v in untranslated for w in re.findall(r"[A-Za-z][A-Za-z'’.&-]*", v)}
    )
    for line in (x.replace(FORMULA_TEXT, "") for x in main_text(hebrew_report.html)):
        for word in re.findall(r"[A-Za-z][A-Za-z'’.&-]*", line):
            assert word in allowed or re.fullmatch(r"[\w-]+\.(csv|xlsx)", word), (word, line)


def test_hr_values_are_translated_through_the_configuration(hebrew_report):
    page = hebrew_report.html
    assert "תפעול" in page and "מכירות" in page  # Operations, Sales from report.values.department
    assert ">Operations<" not in page


def test_age_ranges_neither_break_nor_reverse_in_a_right_to_left_page(hebrew_report):
    from segmentation.pipelines.report.render import environment

    assert environment("–").filters["ranges"]("גיל 30-39") == "גיל \u206630\u201139\u2069"
    assert "\u206630\u201139\u2069" in hebrew_report.html


@pytest.mark.parametrize("language", ["en", "he"])
def test_the_adopter_definition_states_the_configured_categories_and_bounds(language):
    """Was fixed text (+2, +1, mean, -1 sd) whatever globals.yml's adopters said."""
    report = {**load_parameters("report")["report"], "language": language}
    labels = Labels(report)
    adopters = {
        **report["adopters"],
        "innovators": 1.5,
        "early_adopters": 0.5,
        "early_majority": -0.25,
        "late_majority": -1.25,
    }
    text = _adopters_definition(adopters, {"mean": 3.2, "sd": 0.8}, labels)
    names = [labels.value("adopters", c) for c in adopters["order"]]
    if language == "en":
        assert (
            f"{names[0]} above +1.5 sd, {names[1]} from +0.5 to +1.5 sd, "
            f"{names[2]} from -0.25 to +0.5 sd, {names[3]} from -1.25 to -0.25 sd, "
            f"{names[4]} below -1.25 sd. Mean 3.20, sd 0.80." in text
        )
    else:
        assert f"{names[0]} מעל 1.5+ ס״ת" in text and f"{names[4]} מתחת ל-1.25- ס״ת" in text
    standard = _adopters_definition(report["adopters"], {"mean": 3.2, "sd": 0.8}, labels)
    assert "{" not in standard and "0.5" not in standard
