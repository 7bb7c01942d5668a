"""Ingestion: raw roster and survey export -> validated, pseudonymous tables."""

from kedro.pipeline import Pipeline, node, pipeline

from .nodes import (
    collect_rejects,
    link_demographics,
    match_respondents,
    parse_roster,
    parse_survey,
    pseudonymise,
    score_items,
    scrub_known_people,
    summarise_ingestion,
)


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                parse_roster,
                inputs=["roster_raw", "params:roster", "params:wave", "params:wave_date"],
                outputs=["roster", "roster_rejects", "roster_rejected_keys", "roster_detected"],
                name="parse_roster",
            ),
            node(
                parse_survey,
                inputs=["survey_raw", "params:questionnaire", "params:survey"],
                outputs=["survey_responses", "survey_rejects", "survey_detected"],
                name="parse_survey",
            ),
            node(
                match_respondents,
                inputs=["survey_responses", "roster", "roster_rejected_keys", "survey_detected"],
                outputs=["matched_responses", "match_rejects"],
                name="match_respondents",
            ),
            node(
                pseudonymise,
                inputs=[
                    "roster",
                    "matched_responses",
                    "params:questionnaire",
                    "pseudonym_key",
                    "params:roster",
                ],
                outputs=["employees", "responses", "open_text_unscrubbed", "contacts"],
                name="pseudonymise",
            ),
            node(
                scrub_known_people,
                inputs=["open_text_unscrubbed", "contacts", "params:survey.open_text"],
                outputs="open_text",
                name="scrub_known_people",
            ),
            node(
                link_demographics,
                inputs=[
                    "employees",
                    "matched_responses",
                    "params:survey",
                    "params:wave",
                    "params:wave_date",
                    "pseudonym_key",
                ],
                outputs="linked_demographics",
                name="link_demographics",
            ),
            node(
                score_items,
                inputs=["responses", "params:questionnaire"],
                outputs="item_scores",
                name="score_items",
            ),
            node(
                collect_rejects,
                inputs=["roster_rejects", "survey_rejects", "match_rejects"],
                outputs="rejects",
                name="collect_rejects",
            ),
            node(
                summarise_ingestion,
                inputs=[
                    "roster_detected",
                    "roster",
                    "matched_responses",
                    "rejects",
                    "survey_detected",
                    "params:roster.active_statuses",
                ],
                outputs="ingestion_summary",
                name="summarise_ingestion",
            ),
        ]
    )
