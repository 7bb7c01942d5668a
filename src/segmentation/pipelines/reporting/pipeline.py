"""Reporting: the run summary, written last from every stage's summary."""

from kedro.pipeline import Pipeline, node, pipeline

from .nodes import summarise_run


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                summarise_run,
                inputs=[
                    "params:wave",
                    "params:seed",
                    "ingestion_summary",
                    "persona_summary",
                    "campaign_summary",
                    "waves_summary",
                ],
                outputs="run_summary",
                name="summarise_run",
            ),
        ]
    )
