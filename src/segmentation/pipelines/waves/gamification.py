"""Gamification nodes: badges per org unit, the top contributors, progress charts per unit.

Each lives in its own module (:mod:`.badges`, :mod:`.contributors`,
:mod:`.progress_charts`); this module names the nodes ``pipeline.py`` wires.
Badges follow the rules in ``waves.gamification.badges``
(``conf/base/parameters_waves.yml``). The top-contributors list is made from
the activity log alone, never from a survey answer, and leaves out everyone
on the opt-out list.
"""

from .badges import (
    AWARDED,
    HELD,
    NOT_AWARDED,
    PER_HEAD,
    RULES,
    award_badges,
    crossing_days,
    unit_figures,
)
from .contributors import list_top_contributors
from .progress_charts import FILE_SLUG_LENGTH, draw_progress_charts, file_key, progress_chart

__all__ = [
    "AWARDED",
    "FILE_SLUG_LENGTH",
    "HELD",
    "NOT_AWARDED",
    "PER_HEAD",
    "RULES",
    "award_badges",
    "crossing_days",
    "draw_progress_charts",
    "file_key",
    "list_top_contributors",
    "progress_chart",
    "unit_figures",
]
