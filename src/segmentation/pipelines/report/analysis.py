"""Figures of the report, every one through :mod:`.anonymity`.

Pure functions on the report's base table (one row per employee, see
:func:`build_base`). Two populations: *active employees* (HR figures: head
counts, age mix) and *respondents*, the active employees whose survey answers
were used (every survey figure). Keeping respondents a subset of active
employees means no figure can be subtracted from another to reveal people
outside both.

The figures live in one module per idea; this module names them in one place.
"""

from .base import (  # noqa: F401
    _STR,
    _left_join,
    build_base,
)
from .groups import (  # noqa: F401
    INFERRED,
    LEVELS,
    SURVEY,
    UNKNOWN,
    _adopters,
    _agree_share,
    _levels,
    _positions,
    _ranked,
    _split,
    _split_by_positions,
    cohen_d,
    distribution,
    group_label,
    level_of,
    ordered_groups,
    split_by_group,
    split_share,
)
from .method import (  # noqa: F401
    OUTCOMES,
    method,
    outcome_text,
)
from .persona_figures import (  # noqa: F401
    persona_figures,
    protected_mix,
)
from .situation import (  # noqa: F401
    overview,
    situation,
    situation_metrics,
)
from .survey import (  # noqa: F401
    REPORT_ROLES,
    all_constructs,
    group_dimensions,
    on_score_axis,
    survey_constructs,
    survey_scales,
)
