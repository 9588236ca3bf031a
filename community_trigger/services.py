"""Writes for the ASB Case Review. Each is one transaction with its audit event; background work
(evaluation, e-mails) goes through the outbox so nothing is lost when the broker is away."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from access.viewer import SYSTEM
from asb_cases.models import Case, Incident, IncidentType
from community_trigger import engine, signals
from community_trigger.models import (
    Appeal,
    Application,
    ApplicationDraft,
    ApplicationStatement,
    CaseReviewExplanation,
    Channel,
    ClosureNotice,
    Evidence,
    HowTold,
    Recommendation,
    ResolutionMeeting,
    Stage,
    ThresholdDecision,
    ThresholdPolicy,
    VictimMatch,
)
from partners.audit import SystemActor, audit_record, changes_between
from partners.models import AuditEvent, LocalAuthority, Membership, Organisation, User
from partners.outbox import outbox_enqueue
from partners.postcodes import is_valid_postcode, normalise_postcode
from partners.services import notify
from partners.working_days import add_working_days
from victims import services as victim_services
from victims.models import Person

Verb = AuditEvent.Verb
ENGINE = SystemActor("case-review-engine")
PUBLIC = SystemActor("public")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def champions() -> list[User]:
    """Everyone who runs Case Reviews (the ASB Champion role), to be told about them."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            role=Membership.Role.ASB_CHAMPION, user__is_active=True
        ).select_related("user")
    ]


def _require_champion(actor: User) -> None:
    if not actor.has_perm("community_trigger.decide_application"):
        raise PermissionDenied("Only the ASB Champion can do this")


def _new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"CR-{code[:4]}-{code[4:]}"


def _locked(application: Application) -> Application:
    """The application as it is now, locked for the rest of the transaction (two people acting
    on one application at once must not both succeed)."""
    # Only the application's row: locking the policy, area and type it joins would make every
    # evaluation in an area wait for (or deadlock with) the others.
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("policy")
        .get(pk=application.pk)
    )


def _link(application: Application) -> str:
    return f"/case-reviews/{application.uuid}/"


# Policies ------------------------------------------------------------------------------------


@transaction.atomic
def policy_create(*, actor: User, local_authority: LocalAuthority, **values) -> ThresholdPolicy:
    """A new version of an area's policy, in force from `effective_from`. Earlier versions are
    kept: applications are judged by the one in force when they were received."""
    if not actor.has_perm("community_trigger.change_threshold_policy"):
        raise PermissionDenied("Only the ASB Champion can change threshold policies")
    previous = (
        ThresholdPolicy.objects.filter(local_authority=local_authority).order_by("-version").first()
    )
    policy = ThresholdPolicy(
        local_authority=local_authority,
        version=(previous.version + 1) if previous else 1,
        created_by=actor,
        **values,
    )
    policy.full_clean()
    policy.save()
    fields = [f.name for f in ThresholdPolicy._meta.concrete_fields if f.name in values]
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="policy_create",
        target=policy,
        detail={
            "local_authority": local_authority.code,
            "version": policy.version,
            **changes_between(
                {name: str(getattr(previous, name)) for name in fields} if previous else {},
                {name: str(getattr(policy, name)) for name in fields},
            ),
        },
    )
    return policy


# Applications --------------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    actor: User | None,
    applicant_name: str,
    relationship: str,
    victim_given_name: str,
    victim_family_name: str,
    problem_type: IncidentType,
    problem_postcode: str,
    description: str,
    local_authority: LocalAuthority | None = None,
    applicant_email: str = "",
    applicant_phone: str = "",
    applicant_address: str = "",
    victim_consents: bool = False,
    victim_date_of_birth: dt.date | None = None,
    problem_address: str = "",
    hate_motivated: bool = False,
    agencies_told: Iterable[Organisation] = (),
    lead_case: Case | None = None,
    impact_statement: str = "",
    reading: str = "",
    channel: str = "",
) -> Application:
    """Receive an application (from the public, or recorded by staff) and start its clocks.

    Staff record an application for someone they know: it is matched to the person (their
    organisation records what it typed as its own details) and its threshold check runs in the
    background, recorded in this transaction so it is never lost. An application the public
    made online touches nobody's records until staff have verified the applicant
    (`application_verify`): until then it and its statement stay on the application."""
    errors = {}
    if not applicant_name.strip():
        errors["applicant_name"] = "Enter your name: applications cannot be anonymous"
    if not (applicant_email or applicant_phone or applicant_address):
        errors["applicant_email"] = "Give an e-mail address, phone number or postal address"
    if relationship != Application.Relationship.SELF and not victim_consents:
        errors["victim_consents"] = (
            "You can apply for someone else only with their agreement: confirm they agree"
        )
    if not is_valid_postcode(problem_postcode):
        errors["problem_postcode"] = "Enter a real postcode, like DL1 5QT"
    if victim_date_of_birth and victim_date_of_birth > timezone.localdate():
        errors["victim_date_of_birth"] = "The date of birth must be in the past"
    if not description.strip():
        errors["description"] = "Describe the anti-social behaviour"
    channel = channel or (Channel.IN_PERSON if actor else Channel.ONLINE)
    if channel not in Channel.values or (actor is None and channel != Channel.ONLINE):
        errors["channel"] = "Select how the application was made"
    if errors:
        raise ValidationError(errors)
    postcode = normalise_postcode(problem_postcode)
    if local_authority is None:
        local_authority = _area_for_postcode(postcode)
    if local_authority is None:
        raise ValidationError(
            {"local_authority": "Select the council area where the behaviour is happening"}
        )
    now = timezone.now()
    policy = engine.policy_in_force(local_authority.pk, timezone.localtime(now).date())
    if policy is None:
        raise ValidationError(
            {"local_authority": f"{local_authority} has no Case Review policy: contact the council"}
        )
    today = timezone.localtime(now).date()
    application = Application(
        source=Application.Source.STAFF if actor else Application.Source.PUBLIC,
        local_authority=local_authority,
        policy=policy,
        applicant_name=applicant_name.strip(),
        applicant_email=applicant_email.strip(),
        applicant_phone=applicant_phone.strip(),
        applicant_address=applicant_address.strip(),
        relationship=relationship,
        victim_consents=victim_consents or relationship == Application.Relationship.SELF,
        victim_given_name=victim_given_name.strip(),
        victim_family_name=victim_family_name.strip(),
        victim_date_of_birth=victim_date_of_birth,
        problem_type=problem_type,
        problem_address=problem_address.strip(),
        problem_postcode=postcode,
        description=description.strip(),
        hate_motivated=hate_motivated,
        lead_case=lead_case,
        reading=reading,
        received_at=now,
        check_due=add_working_days(today, policy.check_working_days),
        tell_applicant_due=add_working_days(today, policy.tell_applicant_working_days),
        recorded_by=actor,
        recorded_by_organisation=actor.membership.organisation if actor else None,
        channel=channel,
        # The officer who records it is the victim's single point of contact until the ASB
        # Champion names another; an online application's is named when it is verified.
        contact_officer=actor,
    )
    for _ in range(5):
        application.reference = _new_reference()
        try:
            with transaction.atomic():
                application.save()
            break
        except IntegrityError:
            continue
    application.agencies_told.set(agencies_told)
    if impact_statement.strip():
        application_statement_add(
            actor=actor,
            application=application,
            text=impact_statement,
            reading=reading or ApplicationStatement.Reading.FOR_VICTIM,
        )
    audit_record(
        actor=actor or PUBLIC,
        verb=Verb.CREATED,
        action="application_submit",
        target=application,
        detail={
            "reference": application.reference,
            "source": application.source,
            "channel": application.channel,
            "local_authority": local_authority.code,
            "policy_version": policy.version,
        },
    )
    if actor is not None:
        _verify(application, actor=actor, person=None, now=now)
    if application.applicant_email:
        outbox_enqueue(
            task_name="community_trigger.application_acknowledge",
            kwargs={"application_id": application.pk},
        )
    notify(
        users=champions(),
        key=f"application:{application.reference}:received",
        subject=f"New Case Review application {application.reference}",
        body=f"{application.local_authority}: {application.problem_type}. "
        + (
            "Check the threshold"
            if application.is_verified
            else "Verify the applicant, then check the threshold"
        )
        + f" by {application.check_due:%-d %B %Y}.",
        link=_link(application),
    )
    return application


def _victim_details(application: Application) -> dict:
    """What the application says about the victim, as a record of them."""
    return {
        "given_name": application.victim_given_name,
        "family_name": application.victim_family_name,
        "date_of_birth": application.victim_date_of_birth,
        "postcode": application.problem_postcode
        if application.relationship == Application.Relationship.SELF
        else "",
    }


# A best match scoring this much, with no rival close to it, is the person without asking:
# the same name and postcode (75), or the same name and date of birth (90). A slip in a name
# with only the postcode to back it (65), or two people close together, asks the Champion.
CERTAIN_MATCH = 75
RIVAL_WITHIN = 10


def _match_victim(application: Application) -> tuple[Person | None, str, list[str]]:
    """The person the application is about, matched as the officer's form matches (name and
    postcode or date of birth, tolerant of slips and short forms): (person, how, reasons)."""
    from victims.matching import Query
    from victims.selectors import person_candidates

    details = _victim_details(application)
    query = Query(
        given_name=details["given_name"],
        family_name=details["family_name"],
        date_of_birth=details["date_of_birth"],
        postcode=application.problem_postcode,
    )
    candidates = person_candidates(viewer=SYSTEM, query=query, limit=3)
    if not candidates:
        return None, VictimMatch.NEW, []
    best = candidates[0]
    rival = candidates[1] if len(candidates) > 1 else None
    certain = best.match.score >= CERTAIN_MATCH and (
        rival is None or best.match.score - rival.match.score >= RIVAL_WITHIN
    )
    how = VictimMatch.CERTAIN if certain else VictimMatch.UNCERTAIN
    return best.person, how, list(best.match.reasons)


def _verify(
    application: Application,
    *,
    actor: User,
    person: Person | None,
    now: dt.datetime,
    new_person: bool = False,
) -> None:
    """Match the application to its victim — the person chosen, else the best match by name
    and postcode or date of birth, else a new person — recording the application's details as
    the verifying organisation's own record of them; then check the threshold, in the
    background. An uncertain match is recorded as such, and its details are not added to the
    person's records until the ASB Champion confirms it (`application_confirm_match`)."""
    details = _victim_details(application)
    reasons: list[str] = []
    if person is not None:
        how = VictimMatch.CHOSEN
    elif new_person:
        how = VictimMatch.NEW
    else:
        person, how, reasons = _match_victim(application)
    if person is None:
        person = victim_services.person_create(actor=actor, **details)
    elif how != VictimMatch.UNCERTAIN:
        person = victim_services.person_link(actor=actor, person=person, **details)
    else:
        person = person.merged_into or person
    application.victim = person
    application.victim_match = how
    application.victim_match_reasons = reasons
    application.verified_at = now
    application.verified_by = actor
    application.contact_officer = application.contact_officer or actor
    application.save(
        update_fields=[
            "contact_officer",
            "victim",
            "victim_match",
            "victim_match_reasons",
            "verified_at",
            "verified_by",
            "updated_at",
        ]
    )
    if how == VictimMatch.UNCERTAIN:
        notify(
            users=champions(),
            key=f"application:{application.reference}:match",
            subject=f"{application.reference}: confirm who the application is about",
            body="The applicant's details match someone the partnership knows, but not "
            "certainly. The threshold decision waits for you to confirm.",
            link=_link(application) + "confirm-match/",
        )
    outbox_enqueue(
        task_name="community_trigger.application_evaluate",
        kwargs={"application_id": application.pk},
    )


@transaction.atomic
def application_confirm_match(
    *, actor: User, application: Application, person: Person | None
) -> Application:
    """The ASB Champion settles an uncertain match: `person` is who the application is about
    (the proposed person or another), or None for someone the partnership does not know. The
    threshold is then checked again and the decision stands."""
    _require_champion(actor)
    application = _locked(application)
    if not application.match_awaits_confirmation:
        raise ValidationError({"person": "This application's victim is already settled"})
    details = _victim_details(application)
    proposed = application.victim_id
    if person is None:
        person = victim_services.person_create(actor=actor, **details)
        how = VictimMatch.NEW
    else:
        person = victim_services.person_link(actor=actor, person=person, **details)
        how = VictimMatch.CONFIRMED if person.pk == proposed else VictimMatch.CHOSEN
    application.victim = person
    application.victim_match = how
    application.victim_match_confirmed_at = timezone.now()
    application.victim_match_confirmed_by = actor
    application.save(
        update_fields=[
            "victim",
            "victim_match",
            "victim_match_confirmed_at",
            "victim_match_confirmed_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="application_confirm_match",
        target=application,
        detail={"person": str(person.uuid), "how": how},
    )
    outbox_enqueue(
        task_name="community_trigger.application_evaluate",
        kwargs={"application_id": application.pk},
    )
    return application


@transaction.atomic
def application_verify(
    *,
    actor: User,
    application: Application,
    person: Person | None = None,
    new_person: bool = False,
) -> Application:
    """The ASB Champion has confirmed who made an online application (and, for someone applying
    for another, that the victim agrees): only now is it matched to a person and its threshold
    checked. `person` is the existing person the Champion chose, or None to match or record
    them from the application."""
    _require_champion(actor)
    application = _locked(application)
    if application.is_verified:
        raise ValidationError("This application has already been verified")
    if application.stage == Stage.WITHDRAWN:
        raise ValidationError("This application was withdrawn")
    _verify(application, actor=actor, person=person, now=timezone.now(), new_person=new_person)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="application_verify",
        target=application,
        detail={"person": str(application.victim.uuid), "chosen": person is not None},
    )
    return application


@transaction.atomic
def application_statement_add(
    *, actor: User | None, application: Application, text: str, reading: str
) -> ApplicationStatement:
    """The victim's account of the harm, made with the application (by the applicant online,
    or recorded by staff). It stays on the application; it is never edited."""
    errors = {}
    if not text.strip():
        errors["text"] = "Enter how the anti-social behaviour is affecting you"
    if reading not in ApplicationStatement.Reading.values:
        errors["reading"] = "Select how the statement should be used at the meeting"
    if errors:
        raise ValidationError(errors)
    statement = ApplicationStatement.objects.create(
        application=application,
        text=text.strip(),
        reading=reading,
        source=ApplicationStatement.Source.OFFICER if actor else ApplicationStatement.Source.VICTIM,
        recorded_by=actor,
        organisation=actor.membership.organisation if actor else None,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor or PUBLIC,
        verb=Verb.CREATED,
        action="application_statement_add",
        target=application,
        detail={"statement": str(statement.uuid), "source": statement.source},
    )
    return statement


def area_for_postcode(postcode: str) -> LocalAuthority | None:
    return _area_for_postcode(normalise_postcode(postcode))


def _area_for_postcode(postcode: str) -> LocalAuthority | None:
    known = (
        Incident.objects.filter(postcode=postcode, local_authority__isnull=False)
        .values_list("local_authority", flat=True)
        .first()
    )
    return LocalAuthority.objects.filter(pk=known).first() if known else None


def application_acknowledge(*, application_id: int) -> bool:
    """E-mail the applicant their reference and what happens next. Sent once."""
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        if application is None or not application.applicant_email:
            return False
        if AuditEvent.objects.filter(
            action="application_acknowledge", target_id=str(application.pk)
        ).exists():
            return False
        context = {"application": application, "site_url": settings.SITE_URL}
        send_mail(
            subject=f"Your ASB Case Review application {application.reference}",
            message=render_to_string("community_trigger/email/acknowledge.txt", context),
            from_email=None,
            recipient_list=[application.applicant_email],
        )
        audit_record(
            actor=ENGINE,
            verb=Verb.SENT,
            action="application_acknowledge",
            target=application,
            detail={"to": application.applicant_email},
        )
    return True


@transaction.atomic
def application_evaluate(*, application_id: int, now: dt.datetime | None = None):
    """Judge an application against its policy. Idempotent: the same facts record nothing new.
    'Met' opens the review at once; 'not met' goes to the ASB Champion for discretion."""
    now = now or timezone.now()
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("policy", "problem_type", "local_authority")
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.stage not in (Stage.RECEIVED, Stage.AWAITING_DISCRETION):
        return None
    if not application.is_verified:  # nothing is looked up for an unverified applicant
        return None
    evaluation = engine.evaluate(application, now=now)
    latest = application.decisions.filter(automatic=True).first()
    if latest is not None and latest.inputs_key == evaluation.inputs_key:
        _act_on(application, latest, now=now)
        return latest
    decision = ThresholdDecision.objects.create(
        application=application,
        policy=application.policy,
        outcome=evaluation.outcome,
        route=evaluation.route,
        automatic=True,
        decided_at=now,
        counted=evaluation.counted,
        people_reporting=evaluation.people_reporting,
        reasons=evaluation.reasons,
        inputs_key=evaluation.inputs_key,
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                decision=decision,
                incident=item.incident,
                finding=item.finding,
                explanation=item.explanation[:300],
                routes=list(item.routes),
            )
            for item in evaluation.items
        ]
    )
    audit_record(
        actor=ENGINE,
        verb=Verb.CREATED,
        action="threshold_decide",
        target=application,
        detail={
            "outcome": decision.outcome,
            "routes": evaluation.routes_met,
            "counted": evaluation.counted,
            "considered": len(evaluation.items),
        },
    )
    _act_on(application, decision, now=now)
    return decision


def _act_on(application: Application, decision: ThresholdDecision, *, now: dt.datetime) -> None:
    """Open the review, or pass the application to the ASB Champion for discretion — unless
    the match to the victim is uncertain: then the decision is shown, but does not stand until
    the Champion confirms who the application is about. Acting depends on the stage only, so
    evaluating the same facts again does nothing twice."""
    if application.match_awaits_confirmation:
        return
    if decision.outcome == ThresholdDecision.Outcome.MET:
        if application.stage in (Stage.RECEIVED, Stage.AWAITING_DISCRETION):
            _open_review(application, now=now)
            _tell_applicant(application, decision)
    elif application.stage == Stage.RECEIVED:
        application.stage = Stage.AWAITING_DISCRETION
        application.save(update_fields=["stage", "updated_at"])
        notify(
            users=champions(),
            key=f"application:{application.reference}:discretion",
            subject=f"{application.reference}: threshold not met on the numbers",
            body="Consider persistence, harm, the adequacy of the response and risk, and decide.",
            link=_link(application),
        )


def _open_review(application: Application, *, now: dt.datetime) -> None:
    application.stage = Stage.REVIEW
    application.threshold_met_at = now
    application.meeting_due = add_working_days(
        timezone.localtime(now).date(), application.policy.meeting_working_days
    )
    application.save(update_fields=["stage", "threshold_met_at", "meeting_due", "updated_at"])
    recipients = champions()
    if application.lead_case and application.lead_case.lead_officer:
        recipients.append(application.lead_case.lead_officer)
    notify(
        users=recipients,
        key=f"application:{application.reference}:review",
        subject=f"{application.reference}: the threshold is met, a Case Review must be held",
        body=f"Hold the review meeting by {application.meeting_due:%-d %B %Y}.",
        link=_link(application),
    )


def _tell_applicant(application: Application, decision: ThresholdDecision) -> None:
    """Tell the applicant the decision (by e-mail where we have one), and start the appeal
    window when the threshold is not met."""
    if application.applicant_email:
        outbox_enqueue(
            task_name="community_trigger.applicant_tell_decision",
            kwargs={"application_id": application.pk, "decision_id": decision.pk},
        )


def applicant_tell_decision(*, application_id: int, decision_id: int) -> bool:
    """E-mail the applicant the threshold decision. Sent once per decision."""
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        decision = ThresholdDecision.objects.filter(pk=decision_id).first()
        if application is None or decision is None or not application.applicant_email:
            return False
        key = f"decision:{decision.uuid}"
        if AuditEvent.objects.filter(
            action="applicant_tell_decision", target_id=str(application.pk), detail__key=key
        ).exists():
            return False
        context = {"application": application, "decision": decision, "site_url": settings.SITE_URL}
        send_mail(
            subject=f"Your ASB Case Review application {application.reference}: decision",
            message=render_to_string("community_trigger/email/decision.txt", context),
            from_email=None,
            recipient_list=[application.applicant_email],
        )
        if application.applicant_told_at is None:
            application.applicant_told_at = timezone.now()
            application.save(update_fields=["applicant_told_at", "updated_at"])
        audit_record(
            actor=ENGINE,
            verb=Verb.SENT,
            action="applicant_tell_decision",
            target=application,
            detail={"key": key, "outcome": decision.outcome},
        )
    return True


BAD_PRACTICE_CAVEATS = {
    "case_open": "the case is still open",
    "diary_sheets": "the complaints were diary sheets",
    "investigation_ongoing": "an investigation is not finished",
}


@transaction.atomic
def application_decide_discretion(
    *,
    actor: User,
    application: Application,
    outcome: str,
    reasons: str,
    route: str = "",
    caveats: list[str] = (),
    caveat_justification: str = "",
) -> ThresholdDecision:
    """The ASB Champion's decision when the numbers are not met. A caveat the guidance calls
    bad practice is never applied silently: it must be named and justified, and is shown with
    the decision."""
    _require_champion(actor)
    application = _locked(application)
    errors = {}
    if application.stage != Stage.AWAITING_DISCRETION:
        raise ValidationError("This application is not waiting for a discretionary decision")
    if outcome not in ThresholdDecision.Outcome.values:
        errors["outcome"] = "Select whether the Case Review will go ahead"
    if outcome == ThresholdDecision.Outcome.MET and route not in ThresholdDecision.DISCRETIONARY:
        errors["route"] = "Select why the Case Review should go ahead"
    enabled = {
        ThresholdDecision.Route.PERSISTENCE: application.policy.consider_persistence,
        ThresholdDecision.Route.HARM: application.policy.consider_harm,
        ThresholdDecision.Route.ADEQUACY: application.policy.consider_adequacy,
        ThresholdDecision.Route.HIGH_RISK: application.policy.consider_high_risk,
    }
    if route and not enabled.get(route, False):
        errors["route"] = f"{application.local_authority}'s policy does not use this route"
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision: the applicant is told them"
    unknown = set(caveats) - set(BAD_PRACTICE_CAVEATS)
    if unknown:
        errors["caveats"] = "Select a valid caveat"
    if caveats and not caveat_justification.strip():
        errors["caveat_justification"] = (
            "Guidance calls relying on this bad practice: explain why it is right here"
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    decision = ThresholdDecision.objects.create(
        application=application,
        policy=application.policy,
        outcome=outcome,
        route=route if outcome == ThresholdDecision.Outcome.MET else "",
        automatic=False,
        decided_by=actor,
        decided_at=now,
        reasons=reasons.strip(),
        caveats=list(caveats),
        caveat_justification=caveat_justification.strip(),
    )
    if outcome == ThresholdDecision.Outcome.MET:
        _open_review(application, now=now)
    else:
        application.stage = Stage.NOT_MET
        application.appeal_window_ends = add_working_days(
            timezone.localtime(now).date(), application.policy.appeal_working_days
        )
        application.save(update_fields=["stage", "appeal_window_ends", "updated_at"])
    _tell_applicant(application, decision)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="application_decide_discretion",
        target=application,
        detail={"outcome": outcome, "route": route, "caveats": list(caveats)},
    )
    return decision


@transaction.atomic
def application_record_applicant_told(*, actor: User, application: Application, how: str):
    _require_champion(actor)
    application.applicant_told_at = timezone.now()
    application.save(update_fields=["applicant_told_at", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="application_applicant_told",
        target=application,
        detail={"how": how},
    )
    return application


# The review ----------------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    actor: User,
    application: Application,
    scheduled_for: dt.datetime,
    location: str,
    invited: Iterable[Organisation],
    victim_participation: str,
    chair: User | None = None,
    independent_chair_name: str = "",
) -> ResolutionMeeting:
    _require_champion(actor)
    application = _locked(application)
    errors = {}
    if application.stage not in (Stage.REVIEW, Stage.MEETING_HELD):
        errors["scheduled_for"] = "A meeting can only be arranged once the threshold is met"
    if scheduled_for < timezone.now() - dt.timedelta(days=1):
        errors["scheduled_for"] = "The meeting must be in the future"
    if not location.strip():
        errors["location"] = "Enter where the meeting will be held, or how to join it"
    invited = list(invited)
    if not invited:
        errors["invited"] = "Invite at least one agency"
    if chair is None and not independent_chair_name.strip():
        errors["independent_chair_name"] = "Name the chair"
    if victim_participation not in ResolutionMeeting.VictimParticipation.values:
        errors["victim_participation"] = "Select how the victim will take part"
    if errors:
        raise ValidationError(errors)
    meeting = ResolutionMeeting.objects.create(
        application=application,
        chair=chair,
        independent_chair_name=independent_chair_name,
        scheduled_for=scheduled_for,
        location=location.strip(),
        victim_participation=victim_participation,
        created_by=actor,
    )
    meeting.invited.set(invited)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="meeting_schedule",
        target=application,
        detail={
            "meeting": str(meeting.uuid),
            "scheduled_for": scheduled_for.isoformat(),
            "invited": [o.slug for o in invited],
        },
    )
    invitees = [
        m.user
        for m in Membership.objects.filter(
            organisation__in=invited,
            user__is_active=True,
            role__in=[Membership.Role.SUPERVISOR, Membership.Role.CASE_OFFICER],
        ).select_related("user")
    ]
    notify(
        users=invitees,
        key=f"meeting:{meeting.uuid}:invited",
        subject=f"Case Review meeting {application.reference}",
        body=f"{timezone.localtime(scheduled_for):%-d %B %Y at %H:%M}, {meeting.location}.",
        link=_link(application) + "agenda/",
    )
    return meeting


@transaction.atomic
def meeting_record_held(
    *, actor: User, meeting: ResolutionMeeting, minutes: str, held_at: dt.datetime | None
):
    """Record that the meeting took place, when it actually did: never a time still to come
    (the clocks, the published figures and the outcome letter all read it)."""
    _require_champion(actor)
    errors = {}
    now = timezone.now()
    if held_at is None:
        errors["held_at"] = "Enter the date and time the meeting took place"
    elif held_at > now:
        errors["held_at"] = (
            "The date and time the meeting took place must be in the past: record it once it "
            "has happened"
        )
    elif held_at < meeting.created_at - dt.timedelta(days=1):
        errors["held_at"] = "The date the meeting took place must be after it was arranged"
    if meeting.status != ResolutionMeeting.Status.SCHEDULED:
        errors["minutes"] = "This meeting has already been recorded"
    if not minutes.strip():
        errors["minutes"] = "Enter the minutes of the meeting"
    if errors:
        raise ValidationError(errors)
    meeting.status = ResolutionMeeting.Status.HELD
    meeting.minutes = minutes.strip()
    meeting.held_at = held_at
    meeting.save(update_fields=["status", "minutes", "held_at"])
    application = meeting.application
    application.stage = Stage.MEETING_HELD
    application.outcome_due = add_working_days(
        timezone.localtime(held_at).date(), application.policy.outcome_working_days
    )
    application.save(update_fields=["stage", "outcome_due", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="meeting_record_held",
        target=application,
        detail={"meeting": str(meeting.uuid), "held_at": held_at.isoformat()},
    )
    return meeting


@transaction.atomic
def recommendation_add(
    *,
    actor: User,
    application: Application,
    text: str,
    lead_organisation: Organisation,
    lead_person: str,
    due_on: dt.date,
    meeting: ResolutionMeeting | None = None,
) -> Recommendation:
    _require_champion(actor)
    errors = {}
    if application.plan_finalised_at is not None:
        errors["text"] = "The action plan is final: it cannot be changed"
    if not text.strip():
        errors["text"] = "Enter the recommendation"
    if not lead_person.strip():
        errors["lead_person"] = "Name the person who will lead it"
    if due_on < timezone.localdate():
        errors["due_on"] = "The due date must be today or in the future"
    if errors:
        raise ValidationError(errors)
    recommendation = Recommendation.objects.create(
        application=application,
        meeting=meeting,
        text=text.strip(),
        lead_organisation=lead_organisation,
        lead_person=lead_person.strip(),
        due_on=due_on,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="recommendation_add",
        target=application,
        detail={
            "recommendation": str(recommendation.uuid),
            "lead_organisation": lead_organisation.slug,
            "due_on": str(due_on),
        },
    )
    return recommendation


@transaction.atomic
def recommendation_update(
    *, actor: User, recommendation: Recommendation, status: str, progress: str = ""
) -> Recommendation:
    """The ASB Champion or the lead agency records progress until it is completed."""
    is_lead = actor.membership.organisation_id == recommendation.lead_organisation_id
    if not (actor.has_perm("community_trigger.decide_application") or is_lead):
        raise PermissionDenied("Only the lead agency or the ASB Champion can update this")
    if status not in Recommendation.Status.values:
        raise ValidationError({"status": "Select the status"})
    before = {"status": recommendation.status, "progress": recommendation.progress}
    recommendation.status = status
    recommendation.progress = progress.strip()
    recommendation.completed_at = (
        timezone.now() if status == Recommendation.Status.COMPLETED else None
    )
    recommendation.save(update_fields=["status", "progress", "completed_at", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="recommendation_update",
        target=recommendation.application,
        detail={
            "recommendation": str(recommendation.uuid),
            **changes_between(before, {"status": status, "progress": recommendation.progress}),
        },
    )
    return recommendation


@transaction.atomic
def plan_consult_victim(*, actor: User, application: Application, comments: str) -> Application:
    """Record that the victim has seen the draft action plan, and what they said."""
    _require_champion(actor)
    application = _locked(application)
    if not application.recommendations.exists():
        raise ValidationError({"comments": "Add the recommendations before consulting the victim"})
    if not comments.strip():
        raise ValidationError({"comments": "Record what the victim said about the plan"})
    application.plan_shared_with_victim_at = timezone.now()
    application.victim_plan_comments = comments.strip()
    application.save(
        update_fields=["plan_shared_with_victim_at", "victim_plan_comments", "updated_at"]
    )
    audit_record(actor=actor, verb=Verb.CHANGED, action="plan_consult_victim", target=application)
    return application


@transaction.atomic
def outcome_send(*, actor: User, application: Application) -> Application:
    """Finalise the action plan and send the outcome: only once the victim has been consulted
    on the plan (2025 guidance)."""
    _require_champion(actor)
    application = _locked(application)
    if application.stage != Stage.MEETING_HELD:
        raise ValidationError("The outcome can be sent once the review meeting has been held")
    if application.plan_shared_with_victim_at is None:
        raise ValidationError("Consult the victim on the action plan before it is final")
    now = timezone.now()
    application.plan_finalised_at = now
    application.outcome_sent_at = now
    application.stage = Stage.COMPLETED
    application.appeal_window_ends = add_working_days(
        timezone.localtime(now).date(), application.policy.appeal_working_days
    )
    application.save(
        update_fields=[
            "plan_finalised_at",
            "outcome_sent_at",
            "stage",
            "appeal_window_ends",
            "updated_at",
        ]
    )
    if application.applicant_email:
        outbox_enqueue(
            task_name="community_trigger.applicant_send_outcome",
            kwargs={"application_id": application.pk},
        )
    audit_record(actor=actor, verb=Verb.SENT, action="outcome_send", target=application)
    signals.review_completed.send(sender=Application, application_id=application.pk)
    return application


def applicant_send_outcome(*, application_id: int) -> bool:
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        if (
            application is None
            or not application.applicant_email
            or not application.outcome_sent_at
        ):
            return False
        if AuditEvent.objects.filter(
            action="applicant_send_outcome", target_id=str(application.pk)
        ).exists():
            return False
        send_mail(
            subject=f"The outcome of your ASB Case Review {application.reference}",
            message=render_to_string(
                "community_trigger/email/outcome.txt",
                {
                    "application": application,
                    "site_url": settings.SITE_URL,
                    "recommendations": application.recommendations.select_related(
                        "lead_organisation"
                    ),
                    "meetings": application.meetings.filter(
                        status=ResolutionMeeting.Status.HELD, held_at__isnull=False
                    ).order_by("held_at"),
                },
            ),
            from_email=None,
            recipient_list=[application.applicant_email],
        )
        audit_record(
            actor=ENGINE,
            verb=Verb.SENT,
            action="applicant_send_outcome",
            target=application,
            detail={"to": application.applicant_email},
        )
    return True


@transaction.atomic
def appeal_lodge(
    *, actor: User | None, application: Application, grounds: str, details: str
) -> Appeal:
    """The applicant asks for an independent review of the decision or of how the review was
    done (Schedule 4 para 3)."""
    errors = {}
    if application.stage not in (Stage.NOT_MET, Stage.COMPLETED):
        errors["grounds"] = "You can appeal once you have been told the outcome"
    elif application.appeal_window_ends and timezone.localdate() > application.appeal_window_ends:
        errors["grounds"] = (
            f"The time to appeal ended on {application.appeal_window_ends:%-d %B %Y}; contact "
            "the Police and Crime Commissioner's office if you need more time"
        )
    if grounds not in Appeal.Grounds.values:
        errors["grounds"] = "Select why you are appealing"
    if not details.strip():
        errors["details"] = "Tell us why you are appealing"
    if errors:
        raise ValidationError(errors)
    appeal = Appeal.objects.create(
        application=application,
        grounds=grounds,
        details=details.strip(),
        lodged_at=timezone.now(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor or PUBLIC,
        verb=Verb.CREATED,
        action="appeal_lodge",
        target=application,
        detail={"grounds": grounds},
    )
    notify(
        users=champions(),
        key=f"appeal:{appeal.uuid}",
        subject=f"Appeal on {application.reference}",
        body=appeal.get_grounds_display(),
        link=_link(application),
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    reviewer: str,
    reviewer_organisation: str,
    status: str,
    outcome: str,
) -> Appeal:
    _require_champion(actor)
    errors = {}
    if status not in Appeal.Status.values:
        errors["status"] = "Select the status"
    if not reviewer.strip():
        errors["reviewer"] = "Name the independent reviewer"
    if status in (Appeal.Status.UPHELD, Appeal.Status.NOT_UPHELD) and not outcome.strip():
        errors["outcome"] = "Record the reviewer's conclusion"
    if errors:
        raise ValidationError(errors)
    appeal.reviewer = reviewer.strip()
    appeal.reviewer_organisation = reviewer_organisation.strip()
    appeal.status = status
    appeal.outcome = outcome.strip()
    if status in (Appeal.Status.UPHELD, Appeal.Status.NOT_UPHELD):
        appeal.decided_at = timezone.now()
    appeal.save()
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="appeal_decide",
        target=appeal.application,
        detail={"status": status},
    )
    return appeal


# Deadlines -----------------------------------------------------------------------------------

DUE_SOON_WORKING_DAYS = 2


def deadlines_check(*, today: dt.date | None = None) -> int:
    """Mark what is due soon and overdue, and tell the owners: the ASB Champion for the
    application's clocks, the lead agency for its recommendations. Idempotent: each (clock,
    state) is notified once."""
    today = today or timezone.localdate()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    sent = 0
    open_applications = Application.objects.exclude(
        stage__in=[Stage.NOT_MET, Stage.COMPLETED, Stage.WITHDRAWN]
    )
    clocks = [
        ("check", "check the threshold", "check_due", {"stage": Stage.RECEIVED}),
        ("check", "decide on discretion", "check_due", {"stage": Stage.AWAITING_DISCRETION}),
        ("tell", "tell the applicant", "tell_applicant_due", {"applicant_told_at": None}),
        ("meeting", "hold the review meeting", "meeting_due", {"stage": Stage.REVIEW}),
        ("outcome", "send the outcome", "outcome_due", {"stage": Stage.MEETING_HELD}),
    ]
    people = champions()
    for code, what, field, condition in clocks:
        due = open_applications.filter(**condition, **{f"{field}__isnull": False}).filter(
            **{f"{field}__lte": soon}
        )
        for application in due:
            day = getattr(application, field)
            state = "overdue" if day < today else "due"
            verb = "was due" if state == "overdue" else "is due"
            sent += notify(
                users=people,
                key=f"deadline:{application.reference}:{code}:{state}",
                subject=f"{application.reference}: {what} {verb} {day:%-d %B %Y}",
                link=_link(application),
            )
    overdue = Recommendation.objects.filter(
        status__in=[Recommendation.Status.AGREED, Recommendation.Status.IN_PROGRESS],
        due_on__lt=today,
    ).select_related("application", "lead_organisation")
    for recommendation in overdue:
        leads = [
            m.user
            for m in Membership.objects.filter(
                organisation=recommendation.lead_organisation,
                role=Membership.Role.SUPERVISOR,
                user__is_active=True,
            ).select_related("user")
        ]
        sent += notify(
            users=leads + people,
            key=f"recommendation:{recommendation.uuid}:overdue",
            subject=f"{recommendation.application.reference}: a recommendation is overdue",
            body=recommendation.text[:200],
            link=_link(recommendation.application),
        )
    return sent


def applications_concerned_by(*, incident_ids: list[int]) -> list[int]:
    """Pending, verified applications about the incidents' victims or reporters, or at their
    postcodes."""
    pending = Application.objects.filter(
        stage__in=[Stage.RECEIVED, Stage.AWAITING_DISCRETION], verified_at__isnull=False
    )
    if not pending.exists():  # the usual case: nothing to look at again
        return []
    people: set[int] = set()
    postcodes: set[str] = set()
    for victim_id, reporter_id, postcode in Incident.objects.filter(
        pk__in=incident_ids
    ).values_list("victim_id", "reporter_id", "postcode"):
        people |= {pk for pk in (victim_id, reporter_id) if pk}
        postcodes |= {postcode} if postcode else set()
    groups: set[int] = set()
    for person in people:
        groups |= engine.person_group(person)
    if not (groups or postcodes):
        return []
    about = Q(problem_postcode__in=postcodes) | Q(victim_id__in=groups)
    return list(pending.filter(about).order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def alert_acknowledge(*, actor: User, alert) -> None:
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="alert_acknowledge",
        target=alert,
        detail={"rule": alert.rule, "subject": alert.subject_key},
    )


# Saving an online application to come back to ------------------------------------------------

RESUME_LINK_DAYS = 7


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def draft_create() -> ApplicationDraft:
    return ApplicationDraft.objects.create()


def draft_save(*, draft: ApplicationDraft, answers: dict) -> ApplicationDraft:
    draft.answers = answers
    draft.save(update_fields=["answers", "updated_at"])
    return draft


@transaction.atomic
def draft_request_link(*, draft: ApplicationDraft, email: str) -> None:
    """Ask for a link to come back to the application, e-mailed (as outbox work) to `email`."""
    draft.email = email
    draft.save(update_fields=["email", "updated_at"])
    outbox_enqueue(task_name="community_trigger.draft_send_link", kwargs={"draft_id": draft.pk})


def draft_send_link(*, draft_id: int) -> bool:
    """Make a new link (the only one that works: earlier ones stop working) and e-mail it. The
    token itself is never stored, only its hash."""
    with transaction.atomic():
        draft = ApplicationDraft.objects.select_for_update().filter(pk=draft_id).first()
        if draft is None or not draft.email or draft.submitted_as_id:
            return False
        token = secrets.token_urlsafe(32)
        draft.token_hash = _token_hash(token)
        draft.token_expires_at = timezone.now() + dt.timedelta(days=RESUME_LINK_DAYS)
        draft.token_used_at = None
        draft.save(update_fields=["token_hash", "token_expires_at", "token_used_at", "updated_at"])
        send_mail(
            subject="Your saved application for an ASB Case Review",
            message=render_to_string(
                "community_trigger/email/resume.txt",
                {
                    "link": f"{settings.SITE_URL}/case-review/apply/resume/{token}/",
                    "expires": timezone.localtime(draft.token_expires_at),
                },
            ),
            from_email=None,
            recipient_list=[draft.email],
        )
        audit_record(
            actor=PUBLIC,
            verb=Verb.SENT,
            action="draft_send_link",
            target=draft,
            detail={"expires": draft.token_expires_at.isoformat()},
        )
    return True


class ResumeRefused(Exception):
    """Why a link to come back to an application does not work: "unknown", "expired", "used"
    or "submitted"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@transaction.atomic
def draft_resume(*, token: str) -> ApplicationDraft:
    """The draft a link opens, marking the link used (it works once)."""
    draft = (
        ApplicationDraft.objects.select_for_update()
        .filter(token_hash=_token_hash(token or ""))
        .exclude(token_hash="")
        .first()
    )
    if draft is None:
        raise ResumeRefused("unknown")
    if draft.submitted_as_id:
        raise ResumeRefused("submitted")
    if draft.token_used_at is not None:
        raise ResumeRefused("used")
    if draft.token_expires_at is None or draft.token_expires_at < timezone.now():
        raise ResumeRefused("expired")
    draft.token_used_at = timezone.now()
    draft.save(update_fields=["token_used_at", "updated_at"])
    return draft


# The 2025 guidance: second reports, the single point of contact, closure notices ----------------


def _explain_due(reported_at: dt.datetime) -> dt.date:
    """The contact standard's first-contact deadline (the standard risk band's), from the
    day of the second report."""
    from victims.models import ContactStandard, RiskBand

    standard = (
        ContactStandard.objects.filter(risk_band=RiskBand.STANDARD).first()
        or ContactStandard.objects.order_by("-first_contact_working_days").first()
    )
    days = standard.first_contact_working_days if standard else 1
    return add_working_days(timezone.localtime(reported_at).date(), days)


def second_reports_record(*, incident_ids: list[int], now: dt.datetime | None = None) -> int:
    """At the moment incidents are recorded (in their transaction): each victim making a
    second report of ASB within six months, to any agency, is to have the ASB Case Review
    explained to them by the agency they reported to. One prompt per victim per window."""
    from victims.status import current_definition

    now = now or timezone.now()
    months = current_definition(timezone.localtime(now).date()).second_report_window_months
    created = 0
    incidents = (
        Incident.objects.filter(pk__in=incident_ids, duplicate_of__isnull=True)
        .exclude(victim__isnull=True, reporter__isnull=True)
        .order_by("reported_at", "pk")
    )
    for incident in incidents:
        person_id = incident.victim_id or incident.reporter_id
        group = engine.person_group(person_id)
        since = incident.reported_at - relativedelta(months=months)
        about = Q(victim_id__in=group) | Q(victim__isnull=True, reporter_id__in=group)
        earlier = (
            Incident.objects.filter(
                about,
                duplicate_of__isnull=True,
                reported_at__gte=since,
                reported_at__lte=incident.reported_at,
            )
            .exclude(pk=incident.pk)
            .order_by("-reported_at")
            .first()
        )
        if earlier is None:
            continue
        if CaseReviewExplanation.objects.filter(
            person_id__in=group, prompted_at__gte=now - relativedelta(months=months)
        ).exists():
            continue
        root = Person.objects.filter(pk=person_id).values_list("merged_into_id", flat=True).first()
        CaseReviewExplanation.objects.create(
            person_id=root or person_id,
            incident=incident,
            earlier_incident=earlier,
            organisation_id=incident.reported_to_id,
            prompted_at=now,
            due_on=_explain_due(incident.reported_at),
        )
        created += 1
    return created


@transaction.atomic
def explanation_record(
    *, actor: User, explanation: CaseReviewExplanation, how: str, notes: str = ""
) -> CaseReviewExplanation:
    """The officer explained the ASB Case Review to the victim, and how."""
    if not (
        actor.membership.organisation_id == explanation.organisation_id
        or actor.has_perm("community_trigger.decide_application")
    ):
        raise PermissionDenied("Only the agency the report was made to can record this")
    errors = {}
    if how not in HowTold.values:
        errors["how"] = "Select how you explained the ASB Case Review"
    if explanation.explained_at is not None:
        errors["how"] = "This has already been recorded"
    if errors:
        raise ValidationError(errors)
    explanation.explained_at = timezone.now()
    explanation.explained_by = actor
    explanation.how = how
    explanation.notes = notes.strip()
    explanation.save(update_fields=["explained_at", "explained_by", "how", "notes"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_review_explained",
        target=explanation,
        detail={"how": how, "in_time": explanation.told_in_time},
    )
    return explanation


@transaction.atomic
def application_set_contact(*, actor: User, application: Application, officer: User):
    """Name the single point of contact the victim deals with (shown to them)."""
    _require_champion(actor)
    if not officer.is_active or not hasattr(officer, "membership"):
        raise ValidationError({"officer": "Select an officer who can be contacted"})
    before = application.contact_officer_id
    application.contact_officer = officer
    application.save(update_fields=["contact_officer", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="application_set_contact",
        target=application,
        detail={"before": before, "after": officer.pk},
    )
    return application


@transaction.atomic
def closure_notice_record(
    *, actor: User, application: Application, reasons: str, how: str
) -> ClosureNotice:
    """The victim was told that, and why, their Case Review closed."""
    _require_champion(actor)
    errors = {}
    if application.is_open:
        errors["reasons"] = "A closure notice can be recorded once the Case Review has closed"
    if not reasons.strip():
        errors["reasons"] = "Enter the reasons the victim was given for closing it"
    if how not in HowTold.values:
        errors["how"] = "Select how the victim was told"
    if errors:
        raise ValidationError(errors)
    notice = ClosureNotice.objects.create(
        application=application,
        reasons=reasons.strip(),
        how=how,
        sent_at=timezone.now(),
        sent_by=actor,
        organisation=actor.membership.organisation,
    )
    audit_record(
        actor=actor,
        verb=Verb.SENT,
        action="closure_notice_record",
        target=application,
        detail={"notice": str(notice.uuid), "how": how},
    )
    return notice
