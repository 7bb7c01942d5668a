"""The stage hand-overs: what the campaign and the personas write is what the report reads, checked once."""

from __future__ import annotations

import copy
import json

import pytest

from segmentation.errors import RunStopped
from segmentation.handoff import (
    HandoffError,
    read_persona_summary,
    read_playbook,
    read_profiles,
)
from tests.pipelines.campaign.helpers import make_world as make_campaign_world
from tests.pipelines.campaign.helpers import run_campaign
from tests.pipelines.report.helpers import make_world as make_report_world

LANGUAGES = ["en", "he"]


@pytest.fixture(scope="module")
def campaign_playbook() -> dict:
    """The playbook the campaign's own nodes write, through JSON as the catalog saves it."""
    return json.loads(json.dumps(run_campaign(make_campaign_world()).playbook))


@pytest.fixture(scope="module")
def report_world():
    return make_report_world()


def test_the_campaigns_playbook_reads_whole(campaign_playbook):
    entries = read_playbook(campaign_playbook, LANGUAGES)
    assert set(entries) == set(campaign_playbook)
    broad = [e for e in entries.values() if e.broad]
    personas = [e for e in entries.values() if not e.broad]
    assert len(broad) == 1 and broad[0].channels and not broad[0].four_ps
    for entry in personas:
        raw = campaign_playbook[entry.persona_id]
        # the tone the campaign chose is where the report looks for it
        tone = entry.topic("four_ps.product", "tone")
        assert [r.rule for r in tone] == [r["rule"] for r in raw["four_ps"]["product"]["tone"]]
        assert tone and tone[0].text == {
            lang: raw["four_ps"]["product"]["tone"][0][lang] for lang in LANGUAGES
        }
        assert [c.channel for c in entry.channels] == [c["channel"] for c in raw["channels"]["top"]]
        assert [v.need for v in entry.value_propositions] == [
            v["need"] for v in raw["value_propositions"]
        ]
        assert {r.topic for r in entry.training} <= {"formats", "help_desk"}


def test_the_report_worlds_profiles_and_summary_read_whole(report_world):
    profiles = read_profiles(report_world.persona_profiles, LANGUAGES)
    assert set(profiles) == set(report_world.persona_profiles)
    first = next(iter(profiles.values()))
    assert set(first.name) == set(LANGUAGES)
    summary = read_persona_summary(report_world.persona_summary)
    assert summary.chosen_k == report_world.persona_summary["chosen_k"]
    assert len(summary.k_table) == len(report_world.persona_summary["k_table"])


def _without(tree: dict, path: list) -> dict:
    tree = copy.deepcopy(tree)
    node = tree
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return tree


def _replaced(tree: dict, path: list, value) -> dict:
    tree = copy.deepcopy(tree)
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p, pid: _without(p, [pid, "four_ps"]), "{pid} has no 'four_ps'"),
        (
            lambda p, pid: _without(p, [pid, "four_ps", "product", "tone", 0, "rule"]),
            "{pid}.four_ps.product.tone[0] has no 'rule'",
        ),
        (
            lambda p, pid: _replaced(p, [pid, "channels", "top", 0, "rank"], "first"),
            "{pid}.channels.top[0].rank is str, not a whole number",
        ),
        (
            lambda p, pid: _replaced(
                p, [pid, "four_ps", "product", "tone", 0], {"rule": "r", "why": "w"}
            ),
            "{pid}.four_ps.product.tone[0] has no text in any of en, he",
        ),
        (
            lambda p, pid: _replaced(p, [pid, "four_ps", "marketing_mix"], {}),
            "{pid}.four_ps has 'marketing_mix', not one of product, price, place, promotion",
        ),
        (lambda p, pid: None, "the playbook is NoneType, not a mapping"),
    ],
)
def test_a_playbook_that_is_not_the_campaigns_stops_the_run_naming_the_field(
    campaign_playbook, change, message
):
    pid = next(k for k, v in campaign_playbook.items() if not v["broad"])
    with pytest.raises(HandoffError) as raised:
        read_playbook(change(campaign_playbook, pid), LANGUAGES)
    assert isinstance(raised.value, RunStopped)  # one line and exit code 2 on the command line
    text = str(raised.value)
    assert text.startswith("playbook.json: ") and message.format(pid=pid) in text
    assert "kedro run --pipeline campaign" in text


def test_profiles_and_summary_missing_a_field_stop_the_run_naming_it(report_world):
    profiles = report_world.persona_profiles
    pid = next(iter(profiles))
    with pytest.raises(HandoffError, match=rf"persona_profiles.json: {pid} has no 'name'"):
        read_profiles(_without(profiles, [pid, "name"]), LANGUAGES)
    with pytest.raises(HandoffError, match=r"persona_summary.json: the summary has no 'chosen_k'"):
        read_persona_summary(_without(report_world.persona_summary, ["chosen_k"]))
    with pytest.raises(HandoffError, match=r"k_table\[0\].eligible is str, not true or false"):
        read_persona_summary(
            _replaced(report_world.persona_summary, ["k_table", 0, "eligible"], "yes")
        )
