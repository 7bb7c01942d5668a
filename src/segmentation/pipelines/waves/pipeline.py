"""Wiring of the waves stage; ``nodes.py`` and ``gamification.py`` name the nodes.

Persona identities across waves are kept by the personas stage
(``personas/identities.py``); this stage reads them (``persona_identities``).
"""

from kedro.pipeline import Node, Pipeline

from . import gamification, nodes

WAVE = "params:wave"
ADOPTION = "params:waves.adoption"
GAMIFICATION = "params:waves.gamification"


def create_pipeline(**kwargs) -> Pipeline:
    # Wiring only: one node per entry; long because the stage has 9 nodes with many inputs.
    return Pipeline(
        [
            Node(
                nodes.parse_activity,
                ["activity_raw", "contacts", "roster_rejected_keys", WAVE, ADOPTION],
                ["activity", "activity_rejects", "activity_accounting"],
                name="parse_activity",
            ),
            Node(
                nodes.flag_adoption,
                [
                    "activity",
                    "employees",
                    "hr_features",
                    "persona_assignments",
                    WAVE,
                    ADOPTION,
                    "params:personas.hr_features",
                    "params:personas.naming",
                ],
                "adoption_people",
                name="flag_adoption",
            ),
            Node(
                nodes.summarise_adoption,
                [
                    "adoption_people",
                    "persona_assignments",
                    "activity_accounting",
                    WAVE,
                    ADOPTION,
                    "params:anonymity",
                ],
                "adoption_summary",
                name="summarise_adoption",
            ),
            Node(
                nodes.track_adoption,
                ["adoption_summary", "wave_history", WAVE],
                "adoption_trend",
                name="track_adoption",
            ),
            Node(
                nodes.migrate_personas,
                [
                    "persona_assignments",
                    "previous_wave_outputs",
                    "params:waves.migration",
                    "params:anonymity",
                    "persona_identities",
                ],
                "persona_migration",
                name="migrate_personas",
            ),
            Node(
                gamification.award_badges,
                [
                    "adoption_people",
                    "activity",
                    "activity_accounting",
                    "wave_history",
                    WAVE,
                    GAMIFICATION,
                    ADOPTION,
                    "params:anonymity",
                ],
                "badges",
                name="award_badges",
            ),
            Node(
                gamification.list_top_contributors,
                [
                    "activity",
                    "contacts",
                    "adoption_people",
                    "opt_outs",
                    WAVE,
                    GAMIFICATION,
                    ADOPTION,
                ],
                "top_contributors",
                name="list_top_contributors",
            ),
            Node(
                gamification.draw_progress_charts,
                ["adoption_summary", "adoption_trend", "badges", GAMIFICATION, "params:report"],
                "unit_progress_charts",
                name="draw_progress_charts",
            ),
            Node(
                nodes.summarise_waves,
                [
                    "persona_identities",
                    "persona_migration",
                    "adoption_summary",
                    "adoption_trend",
                    "badges",
                ],
                "waves_summary",
                name="summarise_waves",
            ),
        ]
    )
