"""Writes for incidents and cases. Each is one transaction with its audit event.

Every service takes an explicit `actor` and checks what that actor may do: their role's model
permission and, on a case, their organisation's object permission (asb_cases.access). Objects
passed in (a case, an incident to link) must already have been fetched through a selector scoped
to the actor; the services check the permission to act on them again.

Import the services from here. They live in: incidents (record, check, change an incident),
cases (open a case, its details and status, and what is added to it), sharing (shares and
ownership transfers), victims (the case_victim_* services), imports (incidents from partner
systems) and _common (what they share: permission checks, `CaseConflict`, locations).
"""

from asb_cases.services._common import (
    CLOCK_SKEW,
    CaseConflict,
    LocationInput,
    Verb,
    resolve_location,
)
from asb_cases.services.cases import (
    DETAIL_FIELDS,
    action_clocks,
    case_add_action,
    case_add_location,
    case_add_note,
    case_add_person,
    case_add_task,
    case_change_status,
    case_link_incident,
    case_open,
    case_refresh_search_document,
    case_task_complete,
    case_update_details,
)
from asb_cases.services.imports import (
    IMPORT_CREATED,
    IMPORT_ERROR,
    IMPORT_UPDATED,
    INCIDENT_INPUT_FIELDS,
    ImportedPerson,
    ImportResult,
    IncidentImport,
    incidents_import,
)

# The tests patch the import's batch (`services._ImportBatch.write`) and reach the victims app's
# services through this module (`services.victim_services`).
from asb_cases.services.imports import _ImportBatch as _ImportBatch
from asb_cases.services.imports import victim_services as victim_services
from asb_cases.services.incidents import (
    IncidentInput,
    incident_record,
    incident_update,
    incident_validate,
)
from asb_cases.services.powers import (
    GateInput,
    Requirement,
    action_record_breach,
    action_rule_in_force,
    case_add_pre_application_risk,
)
from asb_cases.services.sharing import (
    case_share_revoke,
    case_share_with_partner,
    case_transfer_accept,
    case_transfer_decline,
    case_transfer_propose,
    case_transfer_withdraw,
)
from asb_cases.services.victims import (
    case_victim_assess_risk,
    case_victim_contact,
    case_victim_refer,
    case_victim_referral_update,
    case_victim_statement,
    case_victim_statement_correct,
)

__all__ = [
    "CLOCK_SKEW",
    "DETAIL_FIELDS",
    "IMPORT_CREATED",
    "IMPORT_ERROR",
    "IMPORT_UPDATED",
    "INCIDENT_INPUT_FIELDS",
    "CaseConflict",
    "GateInput",
    "ImportResult",
    "ImportedPerson",
    "IncidentImport",
    "IncidentInput",
    "LocationInput",
    "Requirement",
    "Verb",
    "action_clocks",
    "action_record_breach",
    "action_rule_in_force",
    "case_add_action",
    "case_add_location",
    "case_add_note",
    "case_add_person",
    "case_add_pre_application_risk",
    "case_add_task",
    "case_change_status",
    "case_link_incident",
    "case_open",
    "case_refresh_search_document",
    "case_share_revoke",
    "case_share_with_partner",
    "case_task_complete",
    "case_transfer_accept",
    "case_transfer_decline",
    "case_transfer_propose",
    "case_transfer_withdraw",
    "case_update_details",
    "case_victim_assess_risk",
    "case_victim_contact",
    "case_victim_refer",
    "case_victim_referral_update",
    "case_victim_statement",
    "case_victim_statement_correct",
    "incident_record",
    "incident_update",
    "incident_validate",
    "incidents_import",
    "resolve_location",
]
