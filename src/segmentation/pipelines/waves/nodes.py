"""Nodes of the waves stage: activity, adoption, movement between personas, the summary.

Pure functions: the activity log arrives as a :class:`~segmentation.datasets.RawTable`,
earlier waves through the read-only datasets of :mod:`.datasets`. Each idea
lives in its own module (:mod:`.activity`, :mod:`.adoption`,
:mod:`.migration`, :mod:`.summary`); this module names the nodes
``pipeline.py`` wires. Every figure that leaves for a report goes through
the small-group rules of :mod:`segmentation.anonymity`.
"""

from .activity import ACTIVITY_COLUMNS, empty_activity, parse_activity
from .adoption import (
    GROUP_COLUMNS,
    INFERRED,
    SURVEY,
    flag_adoption,
    summarise_adoption,
    track_adoption,
)
from .measures import DAY, in_window, metric_names, window_start
from .migration import migrate_personas
from .summary import summarise_waves

__all__ = [
    "ACTIVITY_COLUMNS",
    "DAY",
    "GROUP_COLUMNS",
    "INFERRED",
    "SURVEY",
    "empty_activity",
    "flag_adoption",
    "in_window",
    "metric_names",
    "migrate_personas",
    "parse_activity",
    "summarise_adoption",
    "summarise_waves",
    "track_adoption",
    "window_start",
]
