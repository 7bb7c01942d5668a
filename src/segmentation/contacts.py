"""Matching people across files: how emails are compared, and who opted out.

Shared by the stages that read identities (campaign lists, the activity log's
top contributors), so that a person matches the same way in every stage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.parsing import is_in

# What Python's ``\s`` matches among ASCII characters (for ASCII, casefold is lower).
ASCII_WHITESPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]+"


def email_key(values: pd.Series) -> pd.Series:
    """Emails compared case- and whitespace-insensitively."""
    texts = values.fillna("").astype(str)
    if not (isinstance(texts.dtype, pd.StringDtype) and texts.dtype.storage == "pyarrow"):
        return texts.str.replace(r"\s+", "", regex=True).str.casefold()
    # ASCII text in Arrow's C loops, the few others with Python's rules
    text = pa.array(texts.array)
    ascii_ = np.asarray(pc.string_is_ascii(text).to_numpy(zero_copy_only=False), dtype=bool)
    folded = pc.ascii_lower(
        pc.replace_substring_regex(text, pattern=ASCII_WHITESPACE, replacement="")
    )
    keys = pd.Series(pd.array(folded, dtype=texts.dtype), index=texts.index, name=texts.name)
    others = np.flatnonzero(~ascii_)
    if len(others):
        keys.iloc[others] = (
            texts.iloc[others]
            .str.replace(r"\s+", "", regex=True)
            .str.casefold()
            .to_numpy(dtype=object)
        )
    return keys


def opted_out_mask(
    contacts: pd.DataFrame, opt_outs: pd.DataFrame, email_keys: pd.Series | None = None
) -> pd.Series:
    """Which contacts are on the opt-out list, by exact employee id or by email.

    ``email_keys``: the contacts' :func:`email_key`, when the caller has them already.
    """
    ids = set(opt_outs["employee_id"]) - {""}
    emails = set(opt_outs["email_key"]) - {""}
    keys = email_key(contacts["email"]) if email_keys is None else email_keys
    return pd.Series(
        is_in(contacts["employee_id"].astype(str), ids) | is_in(keys, emails),
        index=contacts.index,
    )
