"""The playbook: persona figures and each rule family, on personas with clear profiles."""

from __future__ import annotations

import copy
import json

import pytest

from segmentation.pipelines.campaign import nodes
from segmentation.pipelines.campaign.channels import score_channels
from segmentation.pipelines.campaign.rules import RuleError, rule_ids

from .helpers import CONSTRUCTS, campaign_params, naming_params, questionnaire_params

LANGUAGES = ("en", "he")


def rules_of(recommendations):
    return [r["rule"] for r in recommendations]


def neutral_figures(**overrides):
    """A persona exactly like everyone (z = 0, means 3) with an office mix, then overrides."""
    figures = {"size": 40, "respondents": 30, "share": 0.25}
    for construct in CONSTRUCTS:
        figures[construct], figures[f"{construct}_z"] = 3.0, 0.0
    figures.update(
        {
            "work_pattern_office": 1.0,
            "work_pattern_hybrid": 0.0,
            "work_pattern_remote": 0.0,
            "work_pattern_frontline": 0.0,
        }
    )
    figures.update(overrides)
    for construct in CONSTRUCTS:  # the common 0-100 figure follows the 1-5 mean unless given
        if f"{construct}_100" not in overrides:
            figures[f"{construct}_100"] = (figures[construct] - 1.0) / 4.0 * 100.0
    return figures


def build_with(params, figures):
    """The playbook of ``figures`` under the campaign parameters ``params``."""
    return nodes.build_playbook(
        figures,
        params["playbook"],
        params["labels"],
        params["figures"],
        naming_params(),
        questionnaire_params(),
        params["languages"],
    )


def playbook_for(**overrides):
    figures = {"PX": {"name": {"en": "X", "he": "איקס"}, "figures": neutral_figures(**overrides)}}
    return build_with(campaign_params(), figures)["PX"]


# ------------------------------------------------------------------ figures
def test_figures_are_means_and_z_against_everyone(campaign, world):
    figures = campaign.figures
    assert list(figures) == ["P1", "P2", "P3"]  # unassigned is not a persona
    p1 = figures["P1"]["figures"]
    scores = world.construct_scores.merge(world.persona_assignments, on="pid")
    mean_all = world.construct_scores["innovativeness"].mean()
    sd_all = world.construct_scores["innovativeness"].std(ddof=0)
    mean_p1 = scores.loc[scores["persona_id"] == "P1", "innovativeness"].mean()
    assert p1["innovativeness"] == pytest.approx(mean_p1, abs=1e-3)
    assert p1["innovativeness_z"] == pytest.approx((mean_p1 - mean_all) / sd_all, abs=1e-3)
    assert p1["size"] == 20 and p1["respondents"] == 16  # 15 + the respondent on leave; 4 inferred
    assert p1["share"] == pytest.approx(20 / len(world.persona_assignments), abs=1e-3)
    p3 = figures["P3"]["figures"]
    members = world.persona_assignments.merge(world.employees, on="pid")
    expected_remote = (
        members.loc[members["persona_id"] == "P3", "work_pattern"] == "remote"
    ).mean()
    assert p3["work_pattern_remote"] == pytest.approx(expected_remote, abs=1e-3)
    assert sum(v for k, v in p3.items() if k.startswith("work_pattern_")) == pytest.approx(
        1.0, abs=3e-3
    )
    assert figures["P2"]["name"] == {"en": "Careful Traditionalists", "he": "שמרנים זהירים"}


def test_playbook_is_plain_json(campaign):
    text = json.dumps(campaign.playbook, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == campaign.playbook


# ------------------------------------------------------------------ value propositions
def test_value_propositions_follow_the_strongest_needs(campaign):
    tops = {
        p: [v["need"] for v in e["value_propositions"]]
        for p, e in campaign.playbook.items()
        if not e["broad"]
    }
    assert tops["P1"][0] == "need_expertise"
    assert tops["P2"][0] == "need_email_overload"
    assert tops["P3"][:2] == ["need_knowledge_reuse", "need_cross_team"]
    first = campaign.playbook["P1"]["value_propositions"][0]
    assert first["rule"] == "value_propositions.strongest_needs"
    assert first["en"]["title"] == "Find who knows, in minutes"
    assert all(
        first[lang][field]
        for lang in LANGUAGES
        for field in ("title", "headline", "proof_point", "example_post")
    )
    assert f"{first['z']:+.2f}" in first["reason"]["en"]
    params = campaign.params["playbook"]["value_propositions"]
    for entry in campaign.playbook.values():
        if not entry["broad"]:
            assert len(entry["value_propositions"]) <= params["per_persona"]
            assert all(v["z"] >= params["min_z"] for v in entry["value_propositions"])


def test_a_persona_with_no_need_above_everyone_gets_its_strongest():
    needs = {
        n: -0.5
        for n in (
            "need_expertise",
            "need_email_overload",
            "need_company_news",
            "need_recognition",
            "need_cross_team",
            "need_knowledge_reuse",
        )
    }
    needs["need_recognition"] = -0.1
    propositions = playbook_for(**{f"{n}_z": z for n, z in needs.items()})["value_propositions"]
    assert [(v["need"], v["rule"]) for v in propositions] == [
        ("need_recognition", "value_propositions.strongest_available")
    ]


def test_message_angle_comes_from_the_top_value_proposition(campaign):
    angle = campaign.playbook["P1"]["four_ps"]["product"]["message_angle"][0]
    assert angle["rule"] == "product.message_angle"
    assert "Find who knows, in minutes" in angle["en"] and "למצוא מי יודע" in angle["he"]


# ------------------------------------------------------------------ channels
def test_channels_rank_stated_preferences(campaign):
    top = {p: [c["channel"] for c in e["channels"]["top"]] for p, e in campaign.playbook.items()}
    assert top["P1"][:2] == ["peer_champion", "chat"]
    assert "manager" in top["P2"]
    assert top["unassigned"] == campaign.params["playbook"]["channels"]["broad"]
    for entry in campaign.playbook.values():
        assert len(entry["channels"]["top"]) <= campaign.params["playbook"]["channels"]["top_n"]
        for channel in entry["channels"]["top"]:
            assert channel["rule"].startswith("channels.")


def test_reach_keeps_email_and_intranet_from_a_frontline_persona():
    top = playbook_for(
        channel_email=5.0,
        channel_email_z=2.0,
        channel_intranet=5.0,
        channel_intranet_z=2.0,
        work_pattern_office=0.2,
        work_pattern_frontline=0.8,
    )["channels"]
    assert "email" not in [c["channel"] for c in top["top"]]
    assert "intranet" not in [c["channel"] for c in top["top"]]
    email = next(c for c in top["ranking"] if c["channel"] == "email")
    assert email["reach"] == pytest.approx(0.2)


def test_reach_keeps_office_screens_from_a_remote_persona():
    entry = playbook_for(
        channel_signage=5.0, channel_signage_z=2.5, work_pattern_office=0.0, work_pattern_remote=1.0
    )
    assert "signage" not in [c["channel"] for c in entry["channels"]["top"]]
    office = playbook_for(channel_signage=5.0, channel_signage_z=2.5)
    assert office["channels"]["top"][0]["channel"] == "signage"
    reason = office["channels"]["top"][0]["reason"]
    assert "100/100" in reason["en"] and "+2.50" in reason["en"] and "100%" in reason["en"]
    assert "100/100" in reason["he"]


def test_channel_level_is_read_on_the_common_scale():
    """A top answer on a 1-7 scale (7, or 100 on 0-100) weighs as a top answer on 1-5: no 1-5 arithmetic."""
    on_five = playbook_for(channel_signage=5.0, channel_signage_z=2.5)["channels"]
    on_seven = playbook_for(channel_signage=7.0, channel_signage_100=100.0, channel_signage_z=2.5)[
        "channels"
    ]
    assert [(c["channel"], c["score"]) for c in on_seven["ranking"]] == [
        (c["channel"], c["score"]) for c in on_five["ranking"]
    ]
    assert (
        on_seven["top"][0]["channel"] == "signage"
        and "100/100" in on_seven["top"][0]["reason"]["en"]
    )


def test_behaviour_lifts_mobile_notifications():
    plain = playbook_for()["channels"]["ranking"]
    mobile = playbook_for(mobile_use=4.5, mobile_use_z=1.5)["channels"]["ranking"]
    score = {c["channel"]: c["score"] for c in plain}
    lifted = {c["channel"]: c["score"] for c in mobile}
    assert lifted["mobile_push"] > score["mobile_push"]
    assert mobile[0]["channel"] == "mobile_push"


def test_channel_reason_names_the_reach_shortfall(campaign):
    top = {c["channel"]: c for c in campaign.playbook["P3"]["channels"]["top"]}
    share = campaign.figures["P3"]["figures"]["work_pattern_frontline"]
    assert top["email"]["reach"] == pytest.approx(1 - share, abs=2e-3)
    assert f"{share:.0%} frontline reached at 0%" in top["email"]["reason"]["en"]
    assert f"{share:.0%} עובדי שטח" in top["email"]["reason"]["he"]
    ranking = {c["channel"]: c for c in campaign.playbook["P3"]["channels"]["ranking"]}
    assert ranking["signage"]["reach"] < campaign.params["playbook"]["channels"]["min_reach"]
    assert "signage" not in top


# ------------------------------------------------------------------ 4 Ps
def test_four_ps(campaign):
    p1, p2, p3 = (campaign.playbook[p]["four_ps"] for p in ("P1", "P2", "P3"))
    assert set(p1) == {"product", "price", "place", "promotion"}
    assert rules_of(p1["product"]["tone"]) == ["product.tone.bold"]
    assert rules_of(p2["product"]["tone"]) == ["product.tone.reassuring"]
    assert rules_of(p3["product"]["tone"]) == ["product.tone.plain"]
    assert rules_of(p2["product"]["naming"]) == ["product.naming.functional"]
    # Price: the three barriers for the careful persona, none for the eager one.
    assert rules_of(p2["price"]["barriers"]) == ["price.time", "price.distrust", "price.privacy"]
    assert rules_of(p1["price"]["barriers"]) == ["price.few_barriers"]
    # Place: champions come from the innovative persona; managers lead the careful one.
    assert rules_of(p1["place"]["champions"]) == ["place.champions.recruit"]
    assert rules_of(p2["place"]["champions"]) == ["place.champions.pair"]
    assert rules_of(p2["place"]["managers"]) == ["place.managers.lead"]
    assert rules_of(p2["place"]["where_they_work"]) == ["place.frontline"]
    assert "63%" in p2["place"]["where_they_work"][0]["en"]
    assert rules_of(p3["place"]["where_they_work"]) == ["place.frontline", "place.remote"]
    # Promotion: moving e-mail threads for the inbox-weary; management always takes part.
    assert "promotion.email_threads" in rules_of(p2["promotion"]["tactics"])
    assert "promotion.email_threads" not in rules_of(p1["promotion"]["tactics"])
    assert "promotion.management" in rules_of(p1["promotion"]["tactics"])
    assert "promotion.screens_posters" not in rules_of(p3["promotion"]["tactics"])  # mostly remote
    for rec in p2["price"]["barriers"]:
        assert rec["en"] and rec["he"] and "barriers_z" in rec["why"]


def test_promotion_launch_event_and_screens_follow_preferences():
    tactics = rules_of(
        playbook_for(channel_town_hall_z=0.5, channel_signage_100=75.0)["four_ps"]["promotion"][
            "tactics"
        ]
    )
    assert "promotion.launch_event" in tactics and "promotion.screens_posters" in tactics
    tactics = rules_of(
        playbook_for(channel_town_hall_z=-0.5, channel_signage_100=25.0)["four_ps"]["promotion"][
            "tactics"
        ]
    )
    assert "promotion.launch_event" not in tactics and "promotion.screens_posters" not in tactics


# ------------------------------------------------------------------ gamification
def test_gamification_by_appeal(campaign):
    style = {p: campaign.playbook[p]["gamification"]["style"][0] for p in ("P1", "P2", "P3")}
    assert style["P1"]["rule"] == "gamification.competitive"
    assert set(style["P1"]["mechanics"]) == {"competitions", "badges", "leaderboards"}
    assert style["P2"]["rule"] == "gamification.quiet"
    assert style["P2"]["mechanics"] == ["quiet_recognition"]
    assert (
        "leaderboards" in style["P2"]["en"].lower() and style["P2"]["he"]
    )  # "No points or leaderboards"
    assert style["P3"]["rule"] == "gamification.light"


def test_quiet_recognition_also_when_the_mean_is_low():
    """Low on the scale, read on 0-100 (2.2 on 1-5 is 30), so the rule holds on any scale."""
    style = playbook_for(gamification_appeal_100=30.0, gamification_appeal_z=-0.1)["gamification"][
        "style"
    ]
    assert rules_of(style) == ["gamification.quiet"]
    assert "gamification_appeal_100 = 30 ≤ 37.5" in style[0]["why"]


# ------------------------------------------------------------------ training
def test_training_and_help_desk(campaign):
    p1, p2 = campaign.playbook["P1"]["training"], campaign.playbook["P2"]["training"]
    assert "training.workshop" in rules_of(p2["formats"]) and "training.one_to_one" in rules_of(
        p2["formats"]
    )
    assert "training.workshop" not in rules_of(p1["formats"])
    assert "training.self_serve" in rules_of(p1["formats"])
    assert rules_of(p2["help_desk"]) == ["training.help_desk.extended"]
    assert rules_of(p1["help_desk"]) == ["training.help_desk.standard"]
    assert "training.short_videos" in rules_of(
        playbook_for(channel_video_z=0.4)["training"]["formats"]
    )


# ------------------------------------------------------------------ the playbook's configuration
def test_every_rule_speaks_both_languages_and_ids_are_unique():
    playbook = campaign_params()["playbook"]
    families = {k: playbook[k] for k in ("four_ps", "gamification", "training")}
    ids = rule_ids(families)
    assert len(ids) == len(set(ids))

    def walk(node):
        if "rules" in node:
            for rule in node["rules"]:
                assert all(rule["recommend"].get(lang) for lang in LANGUAGES), rule["id"]
        else:
            for child in node.values():
                walk(child)

    walk(families)
    for channel in playbook["channels"]["catalog"].values():
        assert all(channel["label"].get(lang) for lang in LANGUAGES)


def test_a_typo_in_a_rule_stops_the_run_before_any_output(campaign):
    params = copy.deepcopy(campaign_params())
    params["playbook"]["gamification"]["style"]["rules"][0]["when"] = {
        "gamification_apeal_z": {"gte": 0.3}
    }
    with pytest.raises(RuleError, match="gamification_apeal_z"):
        build_with(params, campaign.figures)
    params = copy.deepcopy(campaign_params())
    params["playbook"]["training"]["formats"]["rules"][0]["id"] = "gamification.quiet"
    with pytest.raises(RuleError, match="unique"):
        build_with(params, campaign.figures)


def test_explanations_and_joiners_are_read_from_the_playbook_parameters(campaign):
    params = copy.deepcopy(campaign_params())
    params["playbook"]["explanations"] = {
        "strongest_needs": "N:{need}:{rank}:{min_z}",
        "strongest_available": "A:{need}",
        "message_angle": "M:{need}",
        "channel_rank": "R:{rank}:{min_reach:.0%}",
        "broad_channels": "B",
    }
    params["playbook"]["channels"]["detail_joiner"] = {"en": " + ", "he": " ו"}
    playbook = build_with(params, campaign.figures)
    p1 = playbook["P1"]
    first = p1["value_propositions"][0]
    assert first["why"] == f"N:{first['need']}:1:0.0"
    assert p1["four_ps"]["product"]["message_angle"][0]["why"] == f"M:{first['need']}"
    assert [c["why"] for c in p1["channels"]["top"]] == [
        f"R:{rank}:50%" for rank in range(1, len(p1["channels"]["top"]) + 1)
    ]
    assert {c["why"] for c in playbook["unassigned"]["channels"]["top"]} == {"B"}
    # video has two behaviours: their details are joined by each language's joiner
    reasons = {
        c["channel"]: c["reason"]
        for c in score_channels(
            p1["figures"],
            params["playbook"]["channels"],
            naming_params().get("labels", {}),
            params["labels"]["work_patterns"],
            3,
        )
    }
    assert " + " in reasons["video"]["en"] and " ו" in reasons["video"]["he"]
