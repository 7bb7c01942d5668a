"""Open answers are stored without the names, ids and emails of anyone on the roster."""

from __future__ import annotations

import pandas as pd

from segmentation.pipelines.ingestion.open_text import scrub_known_people
from segmentation.pipelines.ingestion.pipeline import create_pipeline

CONTACTS = pd.DataFrame(
    {
        "pid": ["pa", "pb", "pc", "pd"],
        "employee_id": pd.Series(["00123", "00456", "7", None], dtype="str"),
        "email": ["Dana.Cohen@corp.example", "m.obrien@corp.example", None, "x@corp.example"],
        "first_name": ["Dana", "Mary-Ann", "דנה", None],
        "last_name": ["Cohen", "O'Brien", "לוי", None],
    }
)


def answers(*texts: str | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pid": [f"r{i}" for i in range(len(texts))],
            "OPEN1": pd.Series(texts, dtype="str"),
        }
    )


def test_roster_names_ids_and_emails_are_replaced_in_any_case_and_script(survey_params):
    out = scrub_known_people(
        answers(
            "ask dana, she helped",
            "Mary-Ann's team and 00123 and COHEN",
            "דיברתי עם לדנה לוי על זה",
            "dana.cohen knows, and so does m.obrien",
            "Ms O'Brien runs the screens",
        ),
        CONTACTS,
        survey_params["open_text"],
    )
    assert out["OPEN1"].tolist() == [
        "ask [name], she helped",
        "[name] team and [id] and [name]",
        "דיברתי עם [name] [name] על זה",
        "[id] knows, and so does [id]",
        "Ms [name] runs the screens",
    ]


def test_words_naming_nobody_missing_answers_and_the_table_stay(survey_params):
    table = answers("I will use it 7 times", None, "", "Screens in the break room")
    out = scrub_known_people(table, CONTACTS, survey_params["open_text"])
    pd.testing.assert_frame_equal(out, table)
    # a one-digit employee id ("7") is under min_id_length: numbers in answers stay numbers
    assert survey_params["open_text"]["min_id_length"] > 1


def test_marks_lengths_and_attached_letters_come_from_the_configuration(survey_params):
    settings = {
        **survey_params["open_text"],
        "id_mark": "<id>",
        "name_mark": "<who>",
        "min_id_length": 1,
        "attached_prefixes": [],
    }
    out = scrub_known_people(
        answers("I will use it 7 times", "עם לדנה ועם דנה", "dana"), CONTACTS, settings
    )
    assert out["OPEN1"].tolist() == ["I will use it <id> times", "עם לדנה ועם <who>", "<who>"]


def test_only_scrubbed_answers_are_stored():
    """The ingestion pipeline's ``open_text`` (the stored table) is the scrubbed one."""
    nodes = {n.name: n for n in create_pipeline().nodes}
    assert "open_text" not in nodes["pseudonymise"].outputs
    scrub = nodes["scrub_known_people"]
    assert scrub.outputs == ["open_text"]
    assert set(nodes["pseudonymise"].outputs) >= {scrub.inputs[0], "contacts"}
    assert scrub.inputs[1:] == ["contacts", "params:survey.open_text"]
