"""Targeting lists: who is on them, how the lists agree, and each export preset."""

from __future__ import annotations

import copy
import csv
import io

import numpy as np
import pandas as pd
import pytest

from segmentation.contacts import opted_out_mask
from segmentation.datasets import RawTable
from segmentation.errors import InputFileError, RunStopped
from segmentation.pipelines.campaign import nodes

from .helpers import (
    CONSTRUCTS,
    HYPERLINK,
    SPECIAL_NAMES,
    campaign_params,
    make_world,
    opt_out_table,
    read_list,
    run_campaign,
)

CONTRACT = [
    "employee_id",
    "email",
    "first_name",
    "language",
    "org_unit",
    "persona_id",
    "persona_name",
    "assignment_source",
    "confidence",
    "primary_channel",
]


def with_preset(name: str) -> dict:
    params = copy.deepcopy(campaign_params())
    params["targeting"]["preset"] = name
    return params


@pytest.fixture(scope="module")
def all_personas(campaign) -> pd.DataFrame:
    return read_list(campaign.files["all_personas"])


def campaign_lists(campaign) -> dict[str, str]:
    return {name: text for name, text in campaign.files.items() if name != "all_personas"}


# ------------------------------------------------------------------ who is listed
def test_every_active_employee_not_opted_out_exactly_once(campaign, world, all_personas):
    assert list(all_personas.columns) == CONTRACT
    active = world.contacts.loc[world.contacts["employment_status"] == "active", "employee_id"]
    expected = sorted(set(active) - set(world.opted_out_ids))
    assert (
        all_personas["employee_id"].tolist() == expected
    )  # exactly once each, sorted by employee_id
    assert all_personas["employee_id"].is_unique


def test_opted_out_and_not_active_appear_nowhere(campaign, world):
    gone = [*world.opted_out_ids, *world.not_active_ids]
    emails = world.contacts.set_index("employee_id").loc[gone, "email"]
    for name, text in campaign.files.items():
        for employee_id, email in zip(gone, emails, strict=True):
            assert employee_id not in text, name
            assert email.lower() not in text.lower(), name
    assert campaign.accounting["excluded_opted_out"] == 2
    assert campaign.accounting["excluded_not_active"] == 2


def test_opt_out_matches_ids_exactly_and_emails_loosely(world):
    target = world.contacts.iloc[30]
    raw = opt_out_table([[target["employee_id"].lower(), ""], [" 0" + target["employee_id"], ""]])
    opt_outs, _ = nodes.parse_opt_out(raw, campaign_params()["opt_out"])
    assert not opted_out_mask(world.contacts, opt_outs).any()  # e0131 and 0E0131 are other ids
    raw = opt_out_table([[f"\t{target['email'].upper()}  "]], header=("Work Email",))
    opt_outs, summary = nodes.parse_opt_out(raw, campaign_params()["opt_out"])
    assert opted_out_mask(world.contacts, opt_outs).sum() == 1
    assert summary == {
        "file": "data/01_raw/campaign/opt_out.csv",
        "file_present": True,
        "entries": 1,
        "columns": ["email"],
    }


def test_an_absent_opt_out_file_excludes_nobody(world):
    result = run_campaign(world, opt_out=RawTable.absent("data/01_raw/campaign/opt_out"))
    assert result.opt_out_summary == {
        "file": "data/01_raw/campaign/opt_out",
        "file_present": False,
        "entries": 0,
        "matched_exactly_or_by_email": 0,
        "matched_after_normalising": 0,
        "matching_nobody": 0,
        "warnings": [],
    }
    assert result.opt_out_rejects.empty
    assert result.accounting["excluded_opted_out"] == 0
    assert result.accounting["listed"] == result.accounting["active_employees"]


def _digit_contacts() -> pd.DataFrame:
    ids = ["00123", "02346", "0777", "777", "12000"]
    return pd.DataFrame({"employee_id": ids, "email": [f"p{i}@example.org" for i in ids]})


def test_opt_out_ids_that_lost_their_leading_zeros_are_honoured_and_listed():
    """What Excel does to an opt-out file opened and saved: 00123 becomes 123."""
    raw = opt_out_table([["123", ""], ["2346.0", ""], ["\u200b12000", ""], ["00123", ""]])
    entries, file_summary = nodes.parse_opt_out(raw, campaign_params()["opt_out"])
    opt_outs, summary, listed = nodes.match_opt_outs(
        entries, file_summary, _digit_contacts(), campaign_params()["opt_out"]
    )
    contacts = _digit_contacts()
    assert contacts.loc[opted_out_mask(contacts, opt_outs), "employee_id"].tolist() == [
        "00123",
        "02346",
        "12000",
    ]
    # the zero-width space is gone when the file is read (parsing.clean_ids, as for every id): an exact match
    assert summary["matched_after_normalising"] == 2 and summary["matching_nobody"] == 0
    assert listed[["row", "column", "value", "reason", "action"]].values.tolist() == [
        [2, "employee_id", "123 (roster: 00123)", "id_matched_after_normalising", "opted_out"],
        [3, "employee_id", "2346.0 (roster: 02346)", "id_matched_after_normalising", "opted_out"],
    ]
    assert (
        "2 opt-out ids match a roster id only without their leading zeros" in summary["warnings"][0]
    )


def test_an_exact_id_wins_and_an_ambiguous_key_opts_out_every_candidate():
    contacts = _digit_contacts()
    entries, file_summary = nodes.parse_opt_out(
        opt_out_table([["777", ""]]), campaign_params()["opt_out"]
    )
    opt_outs, _, listed = nodes.match_opt_outs(
        entries, file_summary, contacts, campaign_params()["opt_out"]
    )
    assert contacts.loc[opted_out_mask(contacts, opt_outs), "employee_id"].tolist() == [
        "777"
    ]  # exact: 0777 is another
    assert listed.empty
    entries, file_summary = nodes.parse_opt_out(
        opt_out_table([["00777", ""]]), campaign_params()["opt_out"]
    )
    opt_outs, _, listed = nodes.match_opt_outs(
        entries, file_summary, contacts, campaign_params()["opt_out"]
    )
    assert contacts.loc[opted_out_mask(contacts, opt_outs), "employee_id"].tolist() == [
        "0777",
        "777",
    ]
    assert listed["value"].tolist() == ["00777 (roster: 0777, 777)"]


def test_an_opt_out_entry_matching_nobody_is_listed_or_stops_the_run():
    raw = opt_out_table([["99999", ""], ["", "gone@example.org"], ["00123", ""]])
    entries, file_summary = nodes.parse_opt_out(raw, campaign_params()["opt_out"])
    opt_outs, summary, listed = nodes.match_opt_outs(
        entries, file_summary, _digit_contacts(), campaign_params()["opt_out"]
    )
    assert summary["matching_nobody"] == 2
    assert listed[["row", "column", "value", "reason", "action"]].values.tolist() == [
        [2, "employee_id", "99999", "matches_nobody", "not_applied"],
        [3, "email", "gone@example.org", "matches_nobody", "not_applied"],
    ]
    assert "2 opt-out entries match nobody in the roster (rows 2, 3)" in summary["warnings"][0]
    with pytest.raises(
        RunStopped, match=r"2 opt-out entries match nobody in the roster \(rows 2, 3\)"
    ):
        nodes.match_opt_outs(
            entries,
            file_summary,
            _digit_contacts(),
            {**campaign_params()["opt_out"], "unmatched": "stop"},
        )


def test_an_opt_out_file_without_its_columns_stops_the_run():
    with pytest.raises(InputFileError, match="neither an employee id nor an email"):
        nodes.parse_opt_out(opt_out_table([["x"]], header=("Name",)), campaign_params()["opt_out"])


def test_listed_people_carry_persona_in_their_language_and_no_scores(campaign, world, all_personas):
    rows = all_personas.set_index("employee_id")
    contacts = world.contacts.set_index("employee_id")
    for employee_id, row in rows.iterrows():
        expected = campaign.playbook[row["persona_id"]]["name"][
            contacts.loc[employee_id, "language"]
        ]
        assert row["persona_name"] == expected
    assert (rows["language"] == "he").any() and (rows["language"] == "en").any()
    assert set(rows["confidence"]) <= {"0.912", "0.667"}  # rounded to 3 decimals
    for text in campaign.files.values():
        header = text.splitlines()[0] if text else ""
        assert not any(c in header for c in CONSTRUCTS)


def test_unassigned_people_go_to_the_broad_list(campaign, all_personas):
    broad = read_list(campaign.files["unassigned__broad"])
    unassigned = all_personas[all_personas["persona_id"] == "unassigned"]
    assert len(unassigned) == 5 == campaign.summary["unassigned"]
    assert broad["employee_id"].tolist() == unassigned["employee_id"].tolist()
    assert set(broad["primary_channel"]) <= set(campaign.params["playbook"]["channels"]["broad"])
    assert not any(
        name.startswith("unassigned__") and name != "unassigned__broad" for name in campaign.files
    )


# ------------------------------------------------------------------ lists agree
def test_channel_lists_agree_with_all_personas(campaign, all_personas):
    rows = all_personas.set_index("employee_id")
    lists = campaign_lists(campaign)
    expected = {n for e in campaign.playbook.values() for n in e["lists"]}
    assert expected <= set(lists)
    members: dict[str, set[str]] = {}
    for name, text in lists.items():
        table = read_list(text)
        assert list(table.columns) == CONTRACT
        persona = name.split("__")[0]
        assert (table["persona_id"] == persona).all(), name
        assert table["employee_id"].is_unique and table["employee_id"].is_monotonic_increasing
        pd.testing.assert_frame_equal(
            table.set_index("employee_id"), rows.loc[table["employee_id"]], check_names=False
        )
        for employee_id in table["employee_id"]:
            members.setdefault(employee_id, set()).add(name)
    for employee_id, row in rows.iterrows():
        own = (
            f"{row['persona_id']}__broad"
            if row["persona_id"] == "unassigned"
            else f"{row['persona_id']}__{row['primary_channel']}"
        )
        assert own in members[employee_id]
    assert set(members) == set(rows.index)


def test_person_level_reach_frontline_and_remote(campaign, world, all_personas):
    patterns = world.employees.set_index("pid")["work_pattern"]
    people = world.contacts.assign(work_pattern=world.contacts["pid"].map(patterns)).set_index(
        "employee_id"
    )
    p3 = all_personas[all_personas["persona_id"] == "P3"].set_index("employee_id")
    on_email = set(read_list(campaign.files["P3__email"])["employee_id"])
    frontline = {e for e in p3.index if people.loc[e, "work_pattern"] == "frontline"}
    remote = {e for e in p3.index if people.loc[e, "work_pattern"] == "remote"}
    assert frontline and remote
    assert not frontline & on_email  # no company e-mail on the floor
    assert remote <= on_email
    assert (p3.loc[sorted(frontline), "primary_channel"] != "email").all()
    p2 = all_personas[all_personas["persona_id"] == "P2"]
    assert not (
        p2["primary_channel"].isin(["email", "intranet"])
        & p2["employee_id"].map(people["work_pattern"]).eq("frontline")
    ).any()


# ------------------------------------------------------------------ counts
def test_counts_add_up(campaign, world, all_personas):
    s = campaign.summary
    assert s["checks"]["all_ok"] is True
    assert s["employees_in_roster"] == len(world.contacts)
    assert s["active_employees"] == s["listed"] + s["excluded_opted_out"]
    assert s["employees_in_roster"] == s["active_employees"] + s["excluded_not_active"]
    assert s["listed"] == len(all_personas) == s["lists"]["all_personas"]
    assert sum(s["by_persona"].values()) == s["listed"]
    for name, text in campaign_lists(campaign).items():
        assert s["lists"][name] == len(read_list(text))


# ------------------------------------------------------------------ presets
def test_generic_preset_is_the_contract_csv_with_a_bom(campaign):
    text = campaign.files["P1__chat"]
    assert text.startswith("\ufeffemployee_id,email,first_name,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == CONTRACT and all(len(r) == len(CONTRACT) for r in rows)


def test_staffbase_preset(world):
    result = run_campaign(world, params=with_preset("staffbase"))
    text = result.files["P1__chat"]
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "externalID",
        "eMail",
        "profile-field:firstName",
        "profile-field:lastName",
        "profile-field:persona",
    ]
    table = read_list(text, sep=";")
    assert len(table) == result.summary["lists"]["P1__chat"] > 0
    assert table["externalID"].str.match(r"^E\d{4}$").all()
    # One language for everyone (set in conf), not the reader's language.
    assert set(table["profile-field:persona"]) == {"Social Pioneers"}
    assert result.files["all_personas"].startswith(
        "\ufeffemployee_id,"
    )  # the contract file stays generic


def test_mailchimp_preset(world):
    result = run_campaign(world, params=with_preset("mailchimp"))
    table = read_list(result.files["P2__manager"])
    assert list(table.columns) == ["Email Address", "First Name", "Last Name", "Tags"]
    assert table["Email Address"].str.contains("@").all()
    # The persona, the list's channel and the person's language, as tags in one quoted cell.
    assert set(table["Tags"]) == {"P2,manager,en", "P2,manager,he"}
    assert '"P2,manager,he"' in result.files["P2__manager"]


def test_staffbase_persona_field_language_is_set_in_conf(world):
    params = with_preset("staffbase")
    params["targeting"]["presets"]["staffbase"]["columns"]["profile-field:persona"] = (
        "persona_name_he"
    )
    table = read_list(run_campaign(world, params=params).files["P1__chat"], sep=";")
    assert set(table["profile-field:persona"]) == {"חלוצים חברתיים"}


def test_m365_admin_center_bulk_members_template(world):
    result = run_campaign(world, params=with_preset("m365_bulk_members"))
    lines = result.files["P1__chat"].splitlines()
    assert lines[0] == "version:v1.0"
    assert lines[1] == "Member object ID or user principal name [memberObjectIdOrUpn] Required"
    assert lines[2:] and all(line.count("@") == 1 for line in lines[2:])
    group_lines = (
        run_campaign(world, params=with_preset("m365_group")).files["P1__chat"].splitlines()
    )
    assert lines[2:] == group_lines  # the same people as the PowerShell shape


def test_m365_group_preset(world):
    result = run_campaign(world, params=with_preset("m365_group"))
    text = result.files["P1__chat"]
    lines = text.splitlines()
    assert not text.startswith("\ufeff") and lines[0] != "email"
    assert all(line.count("@") == 1 and "," not in line for line in lines)
    p1 = read_list(result.files["all_personas"])
    assert len(lines) == len(p1[p1["persona_id"] == "P1"])


def test_presets_leave_out_rows_their_tool_cannot_import(world):
    no_email = copy.deepcopy(world)
    target = no_email.contacts.index[no_email.contacts["employee_id"] == "E0105"][0]
    no_email.contacts.loc[target, "email"] = None
    result = run_campaign(no_email, params=with_preset("m365_group"))
    assert result.summary["left_out_of_lists_missing_value"] == {
        n: 1 for n in result.summary["lists"] if n.startswith("P1__")
    }
    assert "E0105" in result.files["all_personas"]  # still listed in the contract file


@pytest.mark.parametrize("preset", ["generic", "staffbase", "mailchimp", "m365_group"])
def test_formulas_are_inert_and_names_intact_in_every_preset(world, preset):
    result = run_campaign(world, params=with_preset(preset))
    sep = result.params["targeting"]["presets"][preset]["separator"]
    for name, text in result.files.items():
        for row in csv.reader(
            io.StringIO(text.removeprefix("\ufeff")),
            delimiter=sep if name != "all_personas" else ",",
        ):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    if preset != "m365_group":
        text = result.files["P1__chat"]
        assert "'" + HYPERLINK.replace('"', '""') in text
        for employee_id in ("E0102", "E0103", "E0104"):
            assert SPECIAL_NAMES[employee_id] in text
    all_text = result.files["all_personas"]
    assert f'"\'{HYPERLINK.replace(chr(34), chr(34) * 2)}"' in all_text
    assert ",O'Brien," in all_text and ",דנה," in all_text and ",سارة," in all_text


def test_unknown_preset_is_refused(world):
    with pytest.raises(ValueError, match="not one of"):
        run_campaign(world, params=with_preset("excel97"))


def test_byte_identical_on_rerun():
    first, second = run_campaign(make_world()), run_campaign(make_world())
    assert first.files == second.files
    assert first.summary == second.summary
    pd.testing.assert_frame_equal(first.champions, second.champions)
    pd.testing.assert_frame_equal(first.manager_briefs, second.manager_briefs)
    import json

    assert json.dumps(first.playbook, ensure_ascii=False) == json.dumps(
        second.playbook, ensure_ascii=False
    )


def test_row_order_of_inputs_does_not_change_the_files(world):
    shuffled = copy.deepcopy(world)
    rng = np.random.default_rng(1)
    for name in ("construct_scores", "persona_assignments", "employees", "contacts"):
        frame = getattr(shuffled, name)
        setattr(shuffled, name, frame.iloc[rng.permutation(len(frame))].reset_index(drop=True))
    assert run_campaign(shuffled).files == run_campaign(world).files


def test_a_list_written_from_its_pieces_is_its_text_byte_for_byte(tmp_path):
    """The lists are written from a head and the Arrow buffer of their rows: the file holds
    exactly the text join_lines gives (BOM, non-ASCII names, \\r inside no cell, \\n line ends)."""
    import pyarrow as pa

    from segmentation.datasets import TextPiecesDataset
    from segmentation.pipelines.campaign.exports import join_lines, line_pieces

    rows = pa.array(["1,Dvora,דבורה\n", "2,Zoë,\n", "3,'=1+1,x\n"], type=pa.large_string())
    for at in (None, np.array([2, 0]), np.array([], dtype=np.int64)):
        for lines in (rows, rows.slice(1), np.array(rows.to_pylist(), dtype=object)):
            chosen = None if at is None else at[at < len(lines)]
            path = tmp_path / "list.csv"
            TextPiecesDataset(str(path)).save(line_pieces("\ufeffid,name,he\n", lines, chosen))
            expected = join_lines("\ufeffid,name,he\n", lines, chosen)
            assert path.read_bytes() == expected.encode("utf-8")
            assert TextPiecesDataset(str(path)).load() == expected
    assert join_lines("h\n", rows, np.array([1])) == "h\n2,Zoë,\n"
