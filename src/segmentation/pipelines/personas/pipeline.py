"""Wiring of the personas stage; the logic lives in the modules ``nodes.py`` gathers and ``identities.py``."""

from kedro.pipeline import Node, Pipeline

from . import identities, nodes


def create_pipeline(stable_identities: bool = True, **kwargs) -> Pipeline:
    # Wiring only: one Node per entry; long because the stage has 14 nodes with up to 7 inputs each.
    """The personas stage of one wave.

    With ``stable_identities`` (the default, as ``kedro run`` runs it) the wave's personas are aligned to the previous
    wave's saved personas (``previous_wave_outputs``) and keep their ids and
    names; ``segmentation.refit: false`` types the wave with the previous
    wave's model. Without it the stage needs no earlier wave and numbers its
    personas P1.. (as the stage's own tests and in-memory benchmarks run it).
    """
    identity_nodes = [
        Node(
            identities.align_personas,
            [
                "fitted_persona_model",
                "previous_wave_outputs",
                "params:segmentation",
                "params:personas.alignment",
                "params:wave",
                "params:questionnaire",
            ],
            ["persona_model", "persona_alignment"],
            name="align_personas",
        ),
        Node(
            identities.record_persona_identities,
            ["persona_alignment", "persona_profiles"],
            "persona_identities",
            name="record_persona_identities",
        ),
    ]
    alignment = ["persona_alignment"] if stable_identities else []
    return Pipeline(
        [
            *(identity_nodes if stable_identities else []),
            Node(
                nodes.score_constructs,
                ["item_scores", "params:questionnaire", "params:personas.scoring"],
                ["construct_scores", "construct_reliability"],
                name="score_constructs",
            ),
            Node(
                nodes.derive_hr_features,
                [
                    "employees",
                    "params:wave",
                    "params:wave_date",
                    "params:personas.hr_features",
                    "linked_demographics",
                ],
                "hr_features",
                name="derive_hr_features",
            ),
            Node(
                nodes.build_segmentation_basis,
                [
                    "construct_scores",
                    "hr_features",
                    "params:personas.basis",
                    "params:questionnaire",
                ],
                "segmentation_basis",
                name="build_segmentation_basis",
            ),
            Node(
                nodes.select_persona_count,
                [
                    "segmentation_basis",
                    "params:personas.k_selection",
                    "params:personas.model",
                    "params:anonymity",
                    "params:seed",
                    "earlier_persona_count_selection",
                ],
                "persona_count_selection",
                name="select_persona_count",
            ),
            Node(
                nodes.fit_persona_model,
                [
                    "segmentation_basis",
                    "hr_features",
                    "persona_count_selection",
                    "params:personas.model",
                    "params:seed",
                ],
                "fitted_persona_model" if stable_identities else "persona_model",
                name="fit_persona_model",
            ),
            Node(
                nodes.assign_survey_personas,
                [
                    "persona_model",
                    "segmentation_basis",
                    "hr_features",
                    "params:personas.model",
                    *alignment,
                ],
                "survey_personas",
                name="assign_survey_personas",
            ),
            Node(
                nodes.respondents_at_work,
                ["survey_personas", "employees", "params:personas.profiles"],
                "respondents_at_work",
                name="respondents_at_work",
            ),
            Node(
                nodes.profile_personas,
                [
                    "respondents_at_work",
                    "construct_scores",
                    "hr_features",
                    "params:personas.profiles",
                    "params:anonymity",
                    "params:questionnaire",
                ],
                ["persona_statistics", "adoption_overview"],
                name="profile_personas",
            ),
            Node(
                nodes.name_personas,
                [
                    "persona_statistics",
                    "params:personas.naming",
                    "params:personas.hr_features",
                    "params:questionnaire",
                    *alignment,
                ],
                "persona_profiles",
                name="name_personas",
            ),
            Node(
                nodes.train_typing_model,
                ["survey_personas", "hr_features", "params:personas.typing", "params:seed"],
                ["typing_model", "typing_evaluation"],
                name="train_typing_model",
            ),
            Node(
                nodes.assign_personas,
                [
                    "employees",
                    "survey_personas",
                    "hr_features",
                    "typing_model",
                    "persona_profiles",
                    "params:personas.typing",
                    "params:personas.naming",
                ],
                "persona_assignments",
                name="assign_personas",
            ),
            Node(
                nodes.select_golden_questions,
                [
                    "item_scores",
                    "survey_personas",
                    "params:questionnaire",
                    "params:personas.basis",
                    "params:personas.golden_questions",
                    "params:anonymity",
                    "params:seed",
                ],
                "golden_questions",
                name="select_golden_questions",
            ),
            Node(
                nodes.summarise_personas,
                [
                    "persona_count_selection",
                    "construct_reliability",
                    "persona_profiles",
                    "adoption_overview",
                    "typing_evaluation",
                    "golden_questions",
                    "persona_assignments",
                ],
                "persona_summary",
                name="summarise_personas",
            ),
        ]
    )
