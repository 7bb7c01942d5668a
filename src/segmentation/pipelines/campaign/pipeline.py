"""Wiring of the campaign stage; the node functions are gathered in ``nodes.py``."""

from kedro.pipeline import Node, Pipeline

from . import nodes

NAMING = "params:personas.naming"
TARGETING = "params:campaign.targeting"
CHANNELS = "params:campaign.playbook.channels"
QUESTIONNAIRE = "params:questionnaire"
LANGUAGES = "params:campaign.languages"


def create_pipeline(**kwargs) -> Pipeline:
    # Wiring only: one node per entry; long because the stage has 10 nodes.
    return Pipeline(
        [
            # Reads parameters only, so it runs first (its name sorts before every
            # other node without inputs): a playbook typo stops the run at once.
            Node(
                nodes.check_playbook,
                [
                    QUESTIONNAIRE,
                    "params:campaign.playbook",
                    "params:campaign.figures",
                    "params:campaign.champions",
                ],
                "survey_parts",
                name="check_playbook",
            ),
            Node(
                nodes.compute_persona_figures,
                [
                    "construct_scores",
                    "persona_assignments",
                    "employees",
                    "params:campaign.figures",
                    NAMING,
                    QUESTIONNAIRE,
                    LANGUAGES,
                ],
                "persona_figures",
                name="compute_persona_figures",
            ),
            Node(
                nodes.build_playbook,
                [
                    "persona_figures",
                    "params:campaign.playbook",
                    "params:campaign.labels",
                    "params:campaign.figures",
                    NAMING,
                    QUESTIONNAIRE,
                    LANGUAGES,
                ],
                "playbook",
                name="build_playbook",
            ),
            Node(
                nodes.parse_opt_out,
                ["opt_out_raw", "params:campaign.opt_out"],
                ["opt_out_entries", "opt_out_file"],
                name="parse_opt_out",
            ),
            Node(
                nodes.match_opt_outs,
                ["opt_out_entries", "opt_out_file", "contacts", "params:campaign.opt_out"],
                ["opt_outs", "opt_out_summary", "opt_out_rejects"],
                name="match_opt_outs",
            ),
            Node(
                nodes.select_audience,
                [
                    "persona_assignments",
                    "employees",
                    "contacts",
                    "opt_outs",
                    "playbook",
                    CHANNELS,
                    TARGETING,
                    NAMING,
                    LANGUAGES,
                ],
                ["targeting_audience", "list_memberships", "audience_accounting"],
                name="select_audience",
            ),
            Node(
                nodes.export_targeting_lists,
                ["targeting_audience", "list_memberships", "playbook", TARGETING],
                ["targeting_lists", "targeting_list_counts"],
                name="export_targeting_lists",
            ),
            Node(
                nodes.select_champions,
                [
                    "construct_scores",
                    "persona_assignments",
                    "contacts",
                    "opt_outs",
                    "params:campaign.champions",
                    TARGETING,
                    QUESTIONNAIRE,
                ],
                "champions",
                name="select_champions",
            ),
            Node(
                nodes.brief_managers,
                [
                    "employees",
                    "contacts",
                    "persona_assignments",
                    "opt_outs",
                    "playbook",
                    "params:anonymity",
                    "params:campaign.managers",
                    TARGETING,
                    NAMING,
                    LANGUAGES,
                ],
                "manager_briefs",
                name="brief_managers",
            ),
            Node(
                nodes.summarise_campaign,
                [
                    "audience_accounting",
                    "opt_out_summary",
                    "targeting_list_counts",
                    "champions",
                    "manager_briefs",
                    "survey_parts",
                    "params:anonymity",
                    TARGETING,
                ],
                "campaign_summary",
                name="summarise_campaign",
            ),
        ]
    )
