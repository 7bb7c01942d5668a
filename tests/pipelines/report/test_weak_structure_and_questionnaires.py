"""Issue 11, items 10 and 11: exploratory personas are said so everywhere, and waves that asked
different questionnaires say why their personas are not matched."""

from __future__ import annotations

import copy
import dataclasses
import html as html_lib
import re

import pytest

from tests.conftest import load_parameters
from tests.undrawn_charts import charts_undrawn

from .conftest import build_report

LABELS = load_parameters("report")["report"]["labels"]["en"]


def _text(html: str) -> str:
    visible = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", visible)))


@pytest.fixture(scope="module")
def weak_report(world, tmp_path_factory):
    """No k met the stability rule (the chosen k is a fallback), and the previous wave asked another questionnaire."""
    summary = copy.deepcopy(world.persona_summary)
    for row in summary["k_table"]:
        row["eligible"] = False
    summary["k_rule_outcome"] = "fallback: most reproducible k with large enough personas"
    summary.setdefault("structure_free_reference", {})["clearly_better_than_reference"] = True
    waves = copy.deepcopy(world.waves)
    waves["waves_summary"].update(
        {"comparable": False, "not_matched_reason": "different_questionnaire"}
    )
    weak = dataclasses.replace(world, persona_summary=summary, waves=waves)
    with charts_undrawn():  # the tests read its words
        return build_report(weak, tmp_path_factory.mktemp("weak"))


def test_exploratory_personas_are_said_so_in_the_header_every_card_and_the_method(
    weak_report, english_report
):
    html = weak_report.html
    header = html[: html.index("</header>")]
    assert LABELS["exploratory"] in _text(header)
    cards = re.findall(r'<article class="card".*?</article>', html, flags=re.S)
    assert cards and all(LABELS["persona"]["exploratory"] in _text(card) for card in cards)
    text = _text(html)
    assert LABELS["method"]["exploratory"] in text
    assert (
        LABELS["method"]["clearly_better"] not in text
    )  # even though it beats the shuffled reference
    assert LABELS["method"]["exploratory"] in weak_report.workbook_text()
    # a structure that met the rule says nothing of the kind
    assert "Exploratory" not in _text(english_report.html) and "exploratory" not in _text(
        english_report.html
    )


def test_waves_with_different_questionnaires_say_why_they_are_not_matched(
    weak_report, english_report, world
):
    previous = world.waves["waves_summary"]["previous_wave"]
    why = LABELS["waves"]["not_matched"]["different_questionnaire"].format(wave=previous)
    assert why in _text(weak_report.html)
    assert why not in _text(english_report.html)
