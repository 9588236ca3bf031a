"""The gates the Crime and Policing Act 2026 puts on tools and powers, read from each tool's
versioned `ActionRule` (docs/adr/0022-act-2026-tools-pcc-review-published-figures.md):
replaced tools, age limits, the pre-application risk assessment, a named supervisor for each
positive requirement, a senior manager's authorisation for longer notices, prior warnings,
and breaches recorded as offence referrals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import rules
from asb_cases.models import (
    ActionBreach,
    ActionGate,
    ActionRequirement,
    ActionRule,
    ActionType,
    Case,
    CaseAction,
    PreApplicationRiskAssessment,
)
from asb_cases.services._common import CLOCK_SKEW, Verb, _organisation, _require_case, _touch
from partners.audit import audit_record
from partners.models import User
from victims.models import Person


@dataclass(frozen=True)
class Requirement:
    text: str
    supervisor_name: str
    supervisor_organisation: str


@dataclass
class GateInput:
    """What an officer gives for a gated tool (all optional: the rule says what is needed)."""

    risk_assessment: PreApplicationRiskAssessment | None = None
    requirements: list[Requirement] = field(default_factory=list)
    notice_hours: int | None = None
    authorised_by_name: str = ""
    authorised_by_role: str = ""
    prior_warning_given: bool | None = None


def action_rule_in_force(action_type: ActionType, day: dt.date) -> ActionRule | None:
    """The version of the tool's rule in force on `day` (None: the tool has no gates)."""
    return (
        ActionRule.objects.filter(action_type=action_type, effective_from__lte=day)
        .order_by("-effective_from", "-version")
        .first()
    )


def action_gate_errors(
    *,
    action_type: ActionType,
    case: Case,
    started_at: dt.datetime,
    subject: Person | None,
    age: int | None,
    gates: GateInput,
) -> tuple[ActionRule | None, dict[str, str]]:
    """The rule in force for an action and what it refuses (field -> message)."""
    day = timezone.localtime(started_at).date()
    name = action_type.name
    errors: dict[str, str] = {}
    rule = action_rule_in_force(action_type, day)
    if rule is None:
        first = ActionRule.objects.filter(action_type=action_type).order_by("effective_from")
        first = first.first()
        if first is not None:
            errors["started_at"] = (
                f"A {name} could not be used before {first.effective_from:%-d %B %Y}"
            )
        return None, errors
    if not rule.new_records_allowed:
        instead = " or ".join(t.name for t in rule.replaced_by.all())
        errors["action_type"] = (
            f"A {name.lower()} cannot be recorded for use from {rule.effective_from:%-d %B %Y}"
            + (f": use a {instead} instead" if instead else "")
        )
        return rule, errors
    if rule.age_must_be_known or rule.risk_assessment_required:
        if subject is None:
            errors["subject"] = f"Select who the {name} is against"
        elif rule.age_must_be_known and age is None:
            errors["subject"] = f"Record their date of birth first: a {name} depends on their age"
    if rule.maximum_age is not None and age is not None and age > rule.maximum_age:
        errors["subject"] = (
            f"A {name} can only be used against someone aged {rule.maximum_age} or under; "
            f"they were {age}"
        )
    if rule.risk_assessment_required:
        assessment = gates.risk_assessment
        if assessment is None:
            errors["risk_assessment"] = (
                f"Record the pre-application risk assessment before recording a {name}"
            )
        elif (
            assessment.case_id != case.pk
            or assessment.action_type_id != action_type.pk
            or (subject is not None and assessment.subject_id != subject.pk)
        ):
            errors["risk_assessment"] = (
                f"Select a risk assessment made for this {name} against this person"
            )
        elif assessment.assessed_at > started_at + CLOCK_SKEW:
            errors["risk_assessment"] = "The risk assessment must come before the application"
    if rule.supervisor_per_requirement:
        for number, requirement in enumerate(gates.requirements, start=1):
            if not requirement.text.strip():
                errors[f"requirement_{number}"] = f"Enter what requirement {number} is"
            elif not requirement.supervisor_name.strip():
                errors[f"requirement_{number}_supervisor"] = (
                    f"Name the person who will supervise requirement {number}"
                )
            elif not requirement.supervisor_organisation.strip():
                errors[f"requirement_{number}_supervisor"] = (
                    f"Enter the organisation that will supervise requirement {number}"
                )
    elif gates.requirements:
        errors["requirement_1"] = f"A {name} has no positive requirements"
    if rule.max_notice_hours is not None:
        hours = gates.notice_hours or action_type.duration_hours
        if hours is None or hours < 1:
            errors["notice_hours"] = "Enter how many hours the notice lasts"
        elif hours > rule.max_notice_hours:
            errors["notice_hours"] = (
                f"A {name.lower()} can last at most {rule.max_notice_hours} hours"
            )
        elif (
            rule.authorisation_over_hours is not None
            and hours > rule.authorisation_over_hours
            and not (gates.authorised_by_name.strip() and gates.authorised_by_role.strip())
        ):
            errors["authorised_by_name"] = (
                f"A notice of more than {rule.authorisation_over_hours} hours needs a senior "
                "manager's authorisation: enter their name and role"
            )
    elif gates.notice_hours:
        errors["notice_hours"] = f"A {name.lower()} has no notice period"
    if rule.prior_warning_required and not gates.prior_warning_given:
        errors["prior_warning_given"] = (
            f"A {name.lower()} needs a prior warning under the rule in force on {day:%-d %B %Y}"
        )
    return rule, errors


def action_gate_record(*, action: CaseAction, rule: ActionRule, gates: GateInput) -> None:
    """Keep what the action needed to pass its gates (in the caller's transaction)."""
    ActionGate.objects.create(
        action=action,
        rule=rule,
        risk_assessment=gates.risk_assessment,
        notice_hours=gates.notice_hours if rule.max_notice_hours is not None else None,
        authorised_by_name=gates.authorised_by_name.strip(),
        authorised_by_role=gates.authorised_by_role.strip(),
        prior_warning_given=gates.prior_warning_given,
    )
    ActionRequirement.objects.bulk_create(
        ActionRequirement(
            action=action,
            text=requirement.text.strip(),
            supervisor_name=requirement.supervisor_name.strip(),
            supervisor_organisation=requirement.supervisor_organisation.strip(),
        )
        for requirement in gates.requirements
    )


@transaction.atomic
def case_add_pre_application_risk(
    *,
    actor: User,
    case: Case,
    action_type: ActionType,
    subject: Person,
    harm_risk: str,
    respondent_vulnerabilities: str,
    alternatives_tried: str,
) -> PreApplicationRiskAssessment:
    """Record the risk assessment an application for an order must rest on."""
    _require_case(actor, case, rules.CONTRIBUTE)
    errors = {}
    if not case.person_links.filter(person=subject).exists():
        errors["subject"] = "The person must be on the case"
    rule = action_rule_in_force(action_type, timezone.localdate())
    if rule is None or not rule.risk_assessment_required:
        errors["action_type"] = f"A {action_type.name} needs no pre-application risk assessment"
    for name, value, message in (
        ("harm_risk", harm_risk, "Describe the risk of harassment, alarm or distress"),
        (
            "respondent_vulnerabilities",
            respondent_vulnerabilities,
            "Describe the respondent's vulnerabilities, or say there are none known",
        ),
        ("alternatives_tried", alternatives_tried, "Describe the alternatives tried"),
    ):
        if not value.strip():
            errors[name] = message
    if errors:
        raise ValidationError(errors)
    assessment = PreApplicationRiskAssessment.objects.create(
        case=case,
        action_type=action_type,
        subject=subject,
        harm_risk=harm_risk.strip(),
        respondent_vulnerabilities=respondent_vulnerabilities.strip(),
        alternatives_tried=alternatives_tried.strip(),
        assessed_by=actor,
        organisation=_organisation(actor),
        assessed_at=timezone.now(),
    )
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="case_add_pre_application_risk",
        target=case,
        detail={"assessment": str(assessment.uuid), "type": action_type.code},
    )
    return assessment


@transaction.atomic
def action_record_breach(
    *,
    actor: User,
    action: CaseAction,
    occurred_at: dt.datetime,
    details: str,
    referred_to: str = "",
    referral_reference: str = "",
) -> ActionBreach:
    """Record a breach; where the tool's rule makes breach an offence it is an offence
    referral, and says to whom."""
    _require_case(actor, action.case, rules.CONTRIBUTE)
    rule = action_rule_in_force(action.action_type, timezone.localtime(action.started_at).date())
    offence = bool(rule and rule.breach_is_offence)
    errors = {}
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = "The breach must be today or in the past"
    elif occurred_at < action.started_at:
        errors["occurred_at"] = "The breach must be after the order was made"
    if not details.strip():
        errors["details"] = "Describe what happened"
    if offence and not referred_to.strip():
        errors["referred_to"] = (
            f"Breach of a {action.action_type.name} is a criminal offence: enter who it was "
            "referred to"
        )
    if errors:
        raise ValidationError(errors)
    breach = ActionBreach.objects.create(
        action=action,
        occurred_at=occurred_at,
        details=details.strip(),
        offence_referral=offence,
        referred_to=referred_to.strip(),
        referral_reference=referral_reference.strip(),
        recorded_by=actor,
        organisation=_organisation(actor),
    )
    CaseAction.objects.filter(pk=action.pk).update(outcome=CaseAction.Outcome.BREACHED)
    _touch(action.case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="action_record_breach",
        target=action.case,
        detail={"action": str(action.uuid), "offence_referral": offence},
    )
    return breach
