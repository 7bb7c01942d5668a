"""The sample organisation: a realistic roster, survey waves in real export
shapes, activity logs and an opt-out list, with planted personas and defects.

Run ``python -m segmentation.sample --help``. The Python API::

    from segmentation.sample import generate_organisation, write_organisation
    org = generate_organisation(2000, seed=0)
    write_organisation(org, "data/01_raw")

The export writers (:mod:`segmentation.sample.exports`) write any table of
answers as Microsoft Forms, Google Forms or Qualtrics.
"""

from segmentation.sample.exports import (
    write_google_forms_csv,
    write_microsoft_forms_xlsx,
    write_qualtrics_csv,
    write_roster,
    write_roster_csv,
    write_roster_xlsx,
)
from segmentation.sample.generator import (
    DEFAULT_WAVES,
    SampleOrganisation,
    default_survey_formats,
    generate_organisation,
    load_codebook,
    write_organisation,
    write_truth,
)
from segmentation.sample.personas import PERSONA_IDS, PERSONAS, Persona
from segmentation.sample.roster import ROSTER_COLUMNS
from segmentation.sample.survey import DEFECT_KINDS, WaveTruth

__all__ = [
    "DEFAULT_WAVES",
    "DEFECT_KINDS",
    "PERSONAS",
    "PERSONA_IDS",
    "Persona",
    "ROSTER_COLUMNS",
    "SampleOrganisation",
    "WaveTruth",
    "default_survey_formats",
    "generate_organisation",
    "load_codebook",
    "write_google_forms_csv",
    "write_microsoft_forms_xlsx",
    "write_organisation",
    "write_qualtrics_csv",
    "write_roster",
    "write_roster_csv",
    "write_roster_xlsx",
    "write_truth",
]
