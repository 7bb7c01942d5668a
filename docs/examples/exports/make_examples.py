"""Rewrite the tiny example exports of this folder (python docs/examples/exports/make_examples.py)."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from segmentation.codebook import Codebook
from segmentation.sample.exports import (
    write_google_forms_csv,
    write_limesurvey_csv,
    write_microsoft_forms_xlsx,
    write_qualtrics_csv,
    write_surveymonkey_csv,
)

HERE = Path(__file__).parent
ANSWERS = pd.DataFrame(
    {
        "employee_id": ["00001", "00002", "00003"],
        "email": ["dana@example.org", "omer@example.org", "lea@example.org"],
        "Q1": [5.0, 2.0, 4.0],
        "Q2": [1.0, np.nan, 2.0],
        "Q3": [10.0, 0.0, np.nan],
        "FREE": ["A place to ask experts", "", ""],
        "finished": [True, True, False],  # the third stopped after Q1 (Qualtrics, LimeSurvey)
    }
)
WRITERS = {
    "microsoft_forms.xlsx": write_microsoft_forms_xlsx,
    "google_forms.csv": write_google_forms_csv,
    "qualtrics.csv": write_qualtrics_csv,
    "limesurvey.csv": write_limesurvey_csv,
    "surveymonkey.csv": write_surveymonkey_csv,
}

if __name__ == "__main__":
    codebook = Codebook.from_params(yaml.safe_load((HERE / "questionnaire.yml").read_text(encoding="utf-8"))["questionnaire"])
    for name, write in WRITERS.items():
        write(ANSWERS, HERE / name, codebook, language="en")
