"""Wiring of the report stage; the logic lives in ``nodes.py``."""

from kedro.pipeline import Node, Pipeline

from . import nodes


def create_pipeline(**kwargs) -> Pipeline:
    # Wiring only: one node per entry; long because the stage has 15 nodes with many inputs.
    return Pipeline(
        [
            Node(
                nodes.resolve_report_settings,
                ["params:report", "params:questionnaire"],
                "report_settings",
                name="resolve_report_settings",
            ),
            Node(
                nodes.read_handoffs,
                ["playbook", "persona_profiles", "persona_summary", "params:report"],
                ["report_playbook", "report_profiles", "report_persona_summary"],
                name="read_handoffs",
            ),
            Node(
                nodes.build_report_base,
                [
                    "employees",
                    "construct_scores",
                    "item_scores",
                    "persona_assignments",
                    "params:wave",
                    "params:wave_date",
                    "report_settings",
                    "params:anonymity",
                ],
                "report_base",
                name="build_report_base",
            ),
            Node(
                nodes.summarise_report_overview,
                [
                    "ingestion_summary",
                    "report_base",
                    "report_profiles",
                    "params:wave",
                    "params:wave_date",
                    "params:report",
                    "params:anonymity",
                ],
                "report_overview",
                name="summarise_report_overview",
            ),
            Node(
                nodes.analyse_situation,
                ["report_base", "report_settings", "params:anonymity"],
                "report_situation",
                name="analyse_situation",
            ),
            Node(
                nodes.derive_swot,
                ["report_situation", "report_overview", "params:report"],
                "report_swot",
                name="derive_swot",
            ),
            Node(
                nodes.build_persona_cards,
                [
                    "report_base",
                    "report_profiles",
                    "report_playbook",
                    "open_text",
                    "report_settings",
                    "params:anonymity",
                    "params:campaign.playbook.value_propositions",
                ],
                "report_personas",
                name="build_persona_cards",
            ),
            Node(
                nodes.summarise_method,
                ["report_persona_summary", "params:report", "params:anonymity"],
                "report_method",
                name="summarise_method",
            ),
            Node(
                nodes.summarise_waves_section,
                [
                    "waves_summary",
                    "adoption_summary",
                    "persona_migration",
                    "params:report",
                    "params:anonymity",
                ],
                "report_waves",
                name="summarise_waves_section",
            ),
            Node(
                nodes.draw_waves_charts,
                ["report_waves", "params:report"],
                "report_waves_charts",
                name="draw_waves_charts",
            ),
            Node(
                nodes.draw_report_charts,
                ["report_overview", "report_situation", "report_personas", "params:report"],
                "report_charts",
                name="draw_report_charts",
            ),
            Node(
                nodes.render_report_html,
                [
                    "report_overview",
                    "report_situation",
                    "report_swot",
                    "report_personas",
                    "report_method",
                    "report_charts",
                    "report_waves",
                    "report_waves_charts",
                    "report_settings",
                ],
                "persona_report_html",
                name="render_report_html",
            ),
            Node(
                nodes.draw_one_pager_charts,
                ["report_personas", "params:report"],
                "one_pager_charts",
                name="draw_one_pager_charts",
            ),
            Node(
                nodes.render_persona_one_pagers,
                [
                    "report_overview",
                    "report_personas",
                    "report_method",
                    "one_pager_charts",
                    "report_settings",
                ],
                "persona_one_pagers_html",
                name="render_persona_one_pagers",
            ),
            Node(
                nodes.build_report_workbook,
                [
                    "report_overview",
                    "report_situation",
                    "report_swot",
                    "report_personas",
                    "report_method",
                    "report_waves",
                    "report_settings",
                ],
                "persona_report_xlsx",
                name="build_report_workbook",
            ),
        ]
    )
