"""The metrics layer: one definition of every number, as pandas DataFrames.

Every function takes `db` (an open `Database` or a path) and one `Filters`; the SQL lives in
analytics/sql/metrics/*.sql and is documented in docs/metrics.md.

Example:

    from analytics.metrics import Filters, open_db, repeat_rate, summary
    db = open_db("data/postmortems.duckdb")
    repeat_rate(db, Filters(services=("checkout-api",)))
    summary(db, Filters(as_of=date(2026, 11, 1)))
"""

from analytics.metrics.actions import (
    action_aging,
    action_items,
    action_summary,
    actions_by,
    actions_closed,
    fix_effectiveness,
    fix_outcomes,
    fixes_recurred,
    overdue_actions,
)
from analytics.metrics.db import (
    Database,
    DatabaseError,
    DatabaseNotFoundError,
    DbLike,
    open_db,
)
from analytics.metrics.filters import Filters, Parameters
from analytics.metrics.fix_levels import (
    fix_level_crosstab,
    fix_levels,
    fix_levels_by_month,
    l5_reflex,
    l5_share,
)
from analytics.metrics.headline import summary
from analytics.metrics.incidents import (
    data_quality_files,
    data_quality_problems,
    discipline,
    filter_options,
    incidents,
    incidents_by_month,
    known_filters,
    monthly_rates,
    problem_counts,
)
from analytics.metrics.postmortems import archive_info, postmortem, source_file
from analytics.metrics.recurrence import (
    incident_repeats,
    pattern_tags,
    patterns,
    recurrence_incidents,
    repeat_matrix,
    repeat_pairs,
    repeat_rate,
    repeat_rate_by_category,
    repeat_rate_by_service,
)
from analytics.metrics.review import (
    card_labels,
    default_review_month,
    month_filters,
    month_patterns,
    monthly_review,
    monthly_trend,
    new_patterns,
    review_months,
)
from analytics.metrics.time_to_postmortem import (
    pending_late,
    time_to_postmortem,
    ttp_bands,
    ttp_by_month,
    ttp_by_severity,
    ttp_summary,
)

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseNotFoundError",
    "DbLike",
    "Filters",
    "Parameters",
    "action_aging",
    "action_items",
    "action_summary",
    "actions_by",
    "actions_closed",
    "archive_info",
    "card_labels",
    "data_quality_files",
    "data_quality_problems",
    "discipline",
    "filter_options",
    "fix_effectiveness",
    "fix_level_crosstab",
    "fix_levels",
    "fix_levels_by_month",
    "fix_outcomes",
    "fixes_recurred",
    "incident_repeats",
    "incidents",
    "incidents_by_month",
    "known_filters",
    "l5_reflex",
    "l5_share",
    "month_filters",
    "monthly_rates",
    "month_patterns",
    "monthly_review",
    "monthly_trend",
    "new_patterns",
    "review_months",
    "default_review_month",
    "open_db",
    "overdue_actions",
    "pattern_tags",
    "patterns",
    "pending_late",
    "postmortem",
    "problem_counts",
    "recurrence_incidents",
    "repeat_matrix",
    "repeat_pairs",
    "repeat_rate",
    "repeat_rate_by_category",
    "repeat_rate_by_service",
    "source_file",
    "summary",
    "time_to_postmortem",
    "ttp_bands",
    "ttp_by_month",
    "ttp_by_severity",
    "ttp_summary",
]
