"""The dashboards' reads, always scoped to the user asking.

Who sees what (docs/adr/0011-reporting.md):

- a case officer or supervisor sees their organisation's view: the cases it owns and those
  shared with it, the incidents reported to it or on those cases; a supervisor's team is their
  organisation's officers;
- the ASB Champion and analysts see partnership totals;
- analysts never see people: no names, no addresses of people, no officers; only counts by
  organisation and area;
- people and addresses (repeat victims, High Impact Households) only for roles that may see
  person records, over what their organisation may see, or the ASB Champion.

Counts of incidents, open cases and actions come from the summaries rebuilt by Celery
(reporting.services.summaries_refresh, every 15 minutes); lists of things to act on (unowned
cases, transfers, overdue tasks and reviews, victims) are read live. Every selector runs a fixed
number of queries, however much data there is.

Import the selectors from here. scope holds summary_rows, Period, Dashboard and the helpers every
dashboard shares; then one module a dashboard: ownership, victims, case_review, hotspots,
households, costs, trends; reference holds the filters' lists and open_data the police.uk
imports.
"""

from reporting.selectors.case_review import case_review_dashboard
from reporting.selectors.costs import costs_dashboard
from reporting.selectors.hotspots import AreaName, HotspotFilters, hotspots_dashboard
from reporting.selectors.households import households_dashboard
from reporting.selectors.open_data import (
    loaded_areas,
    open_data_import_get,
    open_data_imports,
    open_data_summary,
    skip_reasons,
)
from reporting.selectors.ownership import OVER, STATUS_COLUMNS, ownership_dashboard
from reporting.selectors.reference import incident_types, local_authorities
from reporting.selectors.scope import (
    EXPORT_LIMIT,
    OPEN_STATUSES,
    PAGE_ROWS,
    Dashboard,
    Period,
    default_period,
    scope_key,
    scope_label,
    summary_rows,
)
from reporting.selectors.trends import trends_dashboard
from reporting.selectors.victims import RISK_ORDER, victims_dashboard

__all__ = [
    "EXPORT_LIMIT",
    "OPEN_STATUSES",
    "OVER",
    "PAGE_ROWS",
    "RISK_ORDER",
    "STATUS_COLUMNS",
    "AreaName",
    "Dashboard",
    "HotspotFilters",
    "Period",
    "case_review_dashboard",
    "costs_dashboard",
    "default_period",
    "hotspots_dashboard",
    "households_dashboard",
    "incident_types",
    "loaded_areas",
    "local_authorities",
    "open_data_import_get",
    "open_data_imports",
    "open_data_summary",
    "ownership_dashboard",
    "scope_key",
    "scope_label",
    "skip_reasons",
    "summary_rows",
    "trends_dashboard",
    "victims_dashboard",
]
