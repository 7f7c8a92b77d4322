"""How a severity, a fix level or an outcome looks wherever it is drawn: the dashboard's
charts, the report's and the notebooks' (`analytics.report.charts`). One place, so that L3
is one colour on every surface (the report drew it green and the dashboard purple).

Categorical colours are the Okabe-Ito set, told apart with the common colour-vision
deficiencies; in charts good and bad are blue and red, never green and red (a change's
green or red in a card or table also has its sign).
"""

from __future__ import annotations

__all__ = [
    "ACCENT",
    "BAD",
    "FIX_OUTCOMES",
    "INK",
    "LEVEL_COLORS",
    "LEVEL_ORDER",
    "NEUTRAL",
    "OUTCOME_COLORS",
    "OUTCOME_ORDER",
    "SEVERITY_COLORS",
    "SEVERITY_ORDER",
]

ACCENT = "#2f5d8a"  # the plain mark, and the good side of a good/bad pair (on time)
BAD = "#b42318"  # late, overdue, recurred, the L5 reflex (report.css's --bad)
NEUTRAL = "#8fb8de"  # neither: open, not yet overdue
INK = "#1f2933"  # rules and labels drawn over the report's charts (the target line): on white

SEVERITY_ORDER = ["SEV0", "SEV1", "SEV2", "SEV3", "SEV4", "SEV5", "unknown"]
# most severe darkest: reds, then blues, grey for a severity not given. SEV4 a middle blue
# and the grey a middle one: SEV4's light blue beside SEV5's, and SEV5's beside the light
# grey, could not be told apart on a projector (R13)
SEVERITY_COLORS = ["#67000d", "#cb181d", "#fb6a4a", "#fdae6b", "#6baed6", "#c6dbef", "#969696"]
LEVEL_ORDER = ["L1", "L2", "L3", "L4", "L5", "unleveled", "no_fix"]
# L5, the level a fix should rarely land at, in the vermillion that reads as a warning
LEVEL_COLORS = ["#cc79a7", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#999999", "#dddddd"]
# fix_effectiveness()'s outcomes, in its order (the SQL's; a test holds them together)
FIX_OUTCOMES = ("held", "recurred", "watching", "not_done", "dropped", "unknown")
OUTCOME_ORDER = [*FIX_OUTCOMES, "no fix"]
# held and recurred the good/bad pair. No outcome in a fix level's colour: a chart that
# draws outcomes by colour draws the level by shape, and held in L4's blue, "no fix" in
# L1's pink and not done in unleveled's grey read as levels (review R13). "no fix" is a
# discipline failure, drawn to be seen (not a grey near the white); dropped (abandoned)
# the darkest grey, not done (pending) a middle one, unknown the lightest
OUTCOME_COLORS = [ACCENT, BAD, "#e69f00", "#8c8c8c", "#4d4d4d", "#cccccc", "#7b3294"]
