"""Every figure of the analytics dashboard, computed by the database.

Times are in hours. Percentiles are PostgreSQL's `percentile_cont` (linear
interpolation between the two nearest values); on SQLite (the embedded `make run`
database) the same formula is applied in Python to the rows.

Definitions (the dashboard's "how we count" note repeats them):
- time to first response: case.first_response_at - case.received_at;
- time to posted reply: case.replied_at - case.received_at;
- time in a layer: step.decided_at - step.opened_at, for steps that were decided
  (approved or sent back), not withdrawn ones;
- a layer "changed" a draft when a reviewer edited it while approving, and "sent it
  back" when it requested changes;
- first response within target: posted no later than the case's deadline (the
  department's target for its priority, in business hours); missed: posted later, or
  still waiting past it;
- SLA met: decided no later than the step's due time; breached: decided later, or
  still open past it.

One module per concern: filters (the period, the filters and the cases they
select), percentiles (shared helpers), response_times, layers, sla, volumes,
library, engagement, and page (the whole dashboard, in parallel and cached). On
PostgreSQL the whole dashboard is read from the fact tables instead (fact_cells,
facts, fact_percentiles, fact_page; issue #14), with the same figures; the functions above
remain the definitions (and the exports' and SQLite's reading).
"""

from responder.analytics.selectors.engagement import engagement_by, engagement_model
from responder.analytics.selectors.filters import (
    DIMENSIONS,
    Filters,
    case_q,
    cases_for,
    filters_from,
)
from responder.analytics.selectors.first_response import (
    TARGET_GROUPS,
    first_response_within_target,
)
from responder.analytics.selectors.layers import (
    DECIDED,
    LAYER_KEY,
    NO_EFFECT_MAX_SHARE,
    NO_EFFECT_MIN_HOURS,
    layer_costs,
    steps_for,
)
from responder.analytics.selectors.library import (
    DUE_SOON_DAYS,
    answers_due_for_review,
    library_use,
)
from responder.analytics.selectors.page import (
    CACHE_SECONDS,
    DASHBOARD_THREADS,
    dashboard,
    dashboard_cached,
)
from responder.analytics.selectors.percentiles import (
    EpochSeconds,
    PercentileCont,
    is_postgres,
    percentile,
    seconds_between,
)
from responder.analytics.selectors.response_times import (
    TIME_KEYS,
    response_times_by,
    response_times_over_time,
)
from responder.analytics.selectors.sla import sla_by_layer, sla_by_reviewer
from responder.analytics.selectors.team import team_figures
from responder.analytics.selectors.volumes import volumes_by

__all__ = [
    "CACHE_SECONDS",
    "DASHBOARD_THREADS",
    "DECIDED",
    "DIMENSIONS",
    "DUE_SOON_DAYS",
    "LAYER_KEY",
    "NO_EFFECT_MAX_SHARE",
    "NO_EFFECT_MIN_HOURS",
    "TARGET_GROUPS",
    "TIME_KEYS",
    "EpochSeconds",
    "Filters",
    "PercentileCont",
    "answers_due_for_review",
    "case_q",
    "cases_for",
    "dashboard",
    "dashboard_cached",
    "engagement_by",
    "engagement_model",
    "filters_from",
    "first_response_within_target",
    "is_postgres",
    "layer_costs",
    "library_use",
    "percentile",
    "response_times_by",
    "response_times_over_time",
    "seconds_between",
    "sla_by_layer",
    "sla_by_reviewer",
    "steps_for",
    "team_figures",
    "volumes_by",
]
