"""Constructs have roles: the playbook is checked at the start against the questionnaire, and
the campaign uses the needs, channels and attitude the survey asked (issue 11, item 5)."""

from __future__ import annotations

import copy
import dataclasses

import pytest
import yaml

from segmentation.errors import InputFileError
from segmentation.pipelines import campaign, ingestion, personas, report, reporting, waves
from segmentation.pipelines.campaign import nodes
from tests.conftest import PROJECT_ROOT, copy_project, kedro_run_in_process

from .helpers import CONSTRUCTS, campaign_params, questionnaire_params, run_campaign

# A survey of its own: its innovativeness construct is called attitude, one need and one
# channel are its own (the playbook below names them), the rest of the standard ones it lacks.
RENAMED = {
    "innovativeness": "attitude",
    "need_expertise": "need_docs",
    "channel_chat": "channel_forum",
}
OWN_ROLES = {
    "needs": ["need_docs", "need_recognition"],
    "channel_preferences": ["channel_forum", "channel_email", "channel_peer_champion"],
    "innovativeness": "attitude",
}


def own_questionnaire(roles: dict) -> dict:
    constructs = sorted(
        {c for names in roles.values() for c in ([names] if isinstance(names, str) else names)}
    )
    return {
        "scales": {"agree": {"en": ["1", "2", "3", "4", "5"]}},
        "constructs": {c: [f"{c}_1"] for c in constructs},
        "roles": roles,
        "items": {f"{c}_1": {"scale": "agree", "en": c} for c in constructs},
    }


def own_world(world, roles: dict):
    questionnaire = own_questionnaire(roles)
    scores = world.construct_scores.rename(columns=RENAMED)
    scores = scores[["pid", *questionnaire["constructs"]]]
    return dataclasses.replace(world, construct_scores=scores), questionnaire


def own_playbook() -> dict:
    params = campaign_params()
    playbook = params["playbook"]
    playbook["value_propositions"]["needs"]["need_docs"] = {
        lang: {
            "title": f"Docs {lang}",
            "headline": "Find the document",
            "proof_point": "Search.",
            "example_post": "Where?",
        }
        for lang in ("en", "he")
    }
    playbook["channels"]["catalog"]["forum"] = {
        "construct": "channel_forum",
        "label": {"en": "Forum", "he": "פורום"},
    }
    return params


# ------------------------------------------------------------------ the check at the start
def test_the_playbook_check_lists_every_unknown_figure_at_once():
    params = campaign_params()
    playbook = copy.deepcopy(params["playbook"])
    playbook["gamification"]["style"]["rules"][0]["when"] = {"gamification_apeal_z": {"gte": 0.3}}
    playbook["four_ps"]["price"]["barriers"]["rules"][0]["when"] = {"barrier_z": {"gte": 0.3}}
    playbook["training"]["formats"]["rules"][0]["when"] = {
        "any": [{"barriers_z": {"gte": 0.3}}, {"not": {"inovativeness_z": {"lte": 0}}}]
    }
    playbook["training"]["help_desk"]["rules"][0]["when"] = {"barriers_z": {"around": 1}}
    playbook["channels"]["catalog"]["video"]["behaviour"] = {"mobil_use": 0.1}
    playbook["channels"]["broad"] = ["manager", "fax"]
    champions = copy.deepcopy(params["champions"])
    champions["weights"]["innovativness"] = 1.0
    with pytest.raises(InputFileError) as stopped:
        nodes.check_playbook(questionnaire_params(), playbook, params["figures"], champions)
    message = str(stopped.value)
    assert message.startswith("campaign.playbook") and "7 problem(s)" in message
    for expected in (
        "rule 'gamification.competitive' reads unknown figure 'gamification_apeal_z'",
        "rule 'price.time' reads unknown figure 'barrier_z'",
        "rule 'training.workshop' reads unknown figure 'inovativeness_z'",
        "rule 'training.help_desk.extended': unknown operator(s) ['around']",
        "channel 'video' behaviour reads unknown figure 'mobil_use'",
        "channels.broad names 'fax'",
        "champions name unknown construct 'innovativness'",
    ):
        assert expected in message
    assert "\n" not in message


def test_figures_a_survey_lacks_are_left_out_with_one_warning_not_an_error(caplog):
    params = campaign_params()
    with caplog.at_level("WARNING", logger="segmentation"):
        parts = nodes.check_playbook(
            own_questionnaire(OWN_ROLES), params["playbook"], params["figures"], params["champions"]
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert parts["left_out"] == [
        "social-media use (its report section, champion and channel nudges)",
        "mobile use (its report section, channel nudges)",
        "barriers (the barriers section and its SWOT threats)",
        "gamification appeal (the gamification style, its report figure)",
    ]
    assert (
        "price.time" in parts["rules_left_out"]
        and "gamification.competitive" in parts["rules_left_out"]
    )
    assert (
        "product.tone.bold" not in parts["rules_left_out"]
    )  # reads innovativeness: the survey's attitude
    assert parts["needs_without_value_proposition"] == ["need_docs"]
    assert parts["channel_preferences_without_channel"] == ["channel_forum"]
    assert "chat" in parts["channels_not_asked"] and "email" not in parts["channels_not_asked"]
    for text in ("gamification appeal", "price.time", "need_docs", "channel_forum"):
        assert text in warnings[0]


def test_the_check_is_the_first_node_of_the_run():
    pipeline = sum(
        module.create_pipeline()
        for module in (ingestion, personas, campaign, waves, report, reporting)
    )
    assert pipeline.nodes[0].name == "check_playbook"
    assert all(i.startswith("params:") for i in pipeline.nodes[0].inputs)


def test_a_bad_playbook_stops_kedro_run_with_one_line_and_exit_2(tmp_path):
    project = copy_project(tmp_path)
    path = project / "conf" / "base" / "parameters_campaign.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "when: {gamification_appeal_z: {gte: 0.3}}", "when: {gamification_apeal_z: {gte: 0.3}}"
    )
    text = text.replace("when: {barriers_z: {gte: 0.5}}", "when: {barriers_zz: {gte: 0.5}}")
    path.write_text(text, encoding="utf-8")
    result = kedro_run_in_process(project)
    assert result.exit_code == 2, result.output
    (error, hint) = result.output.splitlines()
    assert error.startswith("Error:") and "gamification_apeal_z" in error and "barriers_zz" in error
    assert hint == "The run stopped; fix this and run again. Details: logs/debug.log"
    # stopped before reading any input: no stage wrote anything
    assert sorted(p.name for p in (project / "data").iterdir()) == ["01_raw"]


# ------------------------------------------------------------------ a survey of its own
def test_a_surveys_own_needs_and_channels_get_value_propositions_and_rankings(world):
    custom, questionnaire = own_world(world, OWN_ROLES)
    result = run_campaign(custom, own_playbook(), questionnaire=questionnaire)
    for persona_id, entry in result.playbook.items():
        if entry.get("broad"):
            assert [c["channel"] for c in entry["channels"]["top"]] == [
                "email"
            ]  # the only broad channel asked
            continue
        assert {vp["need"] for vp in entry["value_propositions"]} <= {
            "need_docs",
            "need_recognition",
        }
        assert {c["channel"] for c in entry["channels"]["ranking"]} == {
            "forum",
            "email",
            "peer_champion",
        }
        assert entry["gamification"] == {}
        fired = [
            r["rule"]
            for family in entry["four_ps"].values()
            for rules in family.values()
            for r in rules
        ]
        assert not {"price.time", "product.naming.lively"} & set(fired)
        figures = result.figures[persona_id]["figures"]
        assert (
            figures["innovativeness"] == figures["attitude"]
            and figures["innovativeness_z"] == figures["attitude_z"]
        )
    needs = {vp["need"] for e in result.playbook.values() for vp in e.get("value_propositions", [])}
    assert "need_docs" in needs
    listed = {name.split("__")[1] for name in result.files if "__" in name}
    assert listed and listed <= {"forum", "email", "peer_champion", "broad"}
    assert len(result.champions) > 0  # on attitude and the peer-champion channel


def test_a_survey_without_channels_writes_only_the_all_personas_list(world):
    roles = {"needs": ["need_docs"], "innovativeness": "attitude"}
    custom, questionnaire = own_world(world, roles)
    result = run_campaign(custom, own_playbook(), questionnaire=questionnaire)
    assert list(result.files) == ["all_personas"]
    assert all(
        entry["lists"] == [] and entry["channels"]["top"] == []
        for entry in result.playbook.values()
    )
    assert set(result.audience["primary_channel"]) == {""}
    assert result.summary["checks"]["all_ok"]
    assert (
        list(result.champions.columns) == campaign_params()["champions"]["columns"]
        and len(result.champions) > 0
    )


def test_roles_that_name_unknown_constructs_stop_the_run():
    params = campaign_params()
    questionnaire = own_questionnaire(OWN_ROLES)
    questionnaire["roles"] = {
        **OWN_ROLES,
        "needs": ["need_docs", "need_typo"],
        "attitudes": "attitude",
        "barriers": ["a", "b"],
    }
    with pytest.raises(InputFileError) as stopped:
        nodes.check_playbook(
            questionnaire, params["playbook"], params["figures"], params["champions"]
        )
    message = str(stopped.value)
    assert (
        "unknown role(s) ['attitudes']" in message
        and "need_typo" in message
        and "takes one construct" in message
    )


def test_the_standard_questionnaire_declares_every_role():
    roles = yaml.safe_load(
        (PROJECT_ROOT / "conf" / "base" / "parameters_questionnaire.yml").read_text(
            encoding="utf-8"
        )
    )
    declared = roles["questionnaire"]["roles"]
    assert set(declared) == {
        "needs",
        "channel_preferences",
        "social_media_use",
        "mobile_use",
        "innovativeness",
        "barriers",
        "gamification_appeal",
    }
    assert set(declared["needs"]) | set(declared["channel_preferences"]) <= set(CONSTRUCTS)


def test_an_empty_channel_catalog_gives_no_channel_list_and_no_nameless_one(world):
    """The standard survey with every channel taken out of the playbook: no `P1__.csv`, no crash."""
    params = campaign_params()
    params["playbook"]["channels"]["catalog"] = {}
    params["playbook"]["channels"]["broad"] = []
    result = run_campaign(world, params)
    assert list(result.files) == ["all_personas"]
    assert not [name for name in result.files if name.endswith("__")]
    assert set(result.audience["primary_channel"]) == {""} and result.summary["checks"]["all_ok"]
    assert len(result.summary["left_out"]["channel_preferences_without_channel"]) == 10
