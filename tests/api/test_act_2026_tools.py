"""The Crime and Policing Act 2026's tools as versioned data: Respect Orders behind their risk
assessment, supervised requirements and breach as an offence referral; the ASB injunction
replaced for new records; 48-hour closure notices by housing providers needing a senior
manager; vehicle seizure without a prior warning. Through the services, the pages and the API.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionRule, ActionType, CaseAction
from tests.api.conftest import make_api
from tests.conftest import client_for
from tests.factories import make_case, make_person

RECENT = timezone.make_aware(dt.datetime(2026, 11, 2, 10, 0))
BEFORE_ACT = timezone.make_aware(dt.datetime(2026, 5, 4, 10, 0))


def _adult_on_case(officer, case, **names):
    person = make_person(
        officer,
        given_name=names.get("given_name", "Rowan"),
        family_name=names.get("family_name", "Testperson"),
        date_of_birth=dt.date(1990, 4, 1),
    )
    services.case_add_person(actor=officer, case=case, person=person, role="perpetrator")
    return person


def _risk(officer, case, person, code="respect-order"):
    return services.case_add_pre_application_risk(
        actor=officer,
        case=case,
        action_type=ActionType.objects.get(code=code),
        subject=person,
        harm_risk="Repeated threats to neighbours on the landing.",
        respondent_vulnerabilities="None known.",
        alternatives_tried="Warning letter and an acceptable behaviour agreement.",
    )


def _action(officer, case, code, *, started=RECENT, **kwargs):
    return services.case_add_action(
        actor=officer,
        case=case,
        action_type=ActionType.objects.get(code=code),
        started_at=started,
        **kwargs,
    )


class TestRespectOrders:
    def test_refused_without_its_risk_assessment_then_recorded_with_it(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        with pytest.raises(ValidationError) as refused:
            _action(officer, case, "respect-order", subject=person)
        assert "risk_assessment" in refused.value.error_dict
        assert not case.actions.exists()

        assessment = _risk(officer, case, person)
        order = _action(
            officer,
            case,
            "respect-order",
            subject=person,
            started=timezone.now(),
            gates=services.GateInput(
                risk_assessment=assessment,
                requirements=[
                    services.Requirement(
                        text="Attend an anger management course",
                        supervisor_name="Sam Example",
                        supervisor_organisation="Test Probation",
                    )
                ],
            ),
        )
        assert order.gate.risk_assessment == assessment
        assert order.gate.rule.version == 1
        assert [r.supervisor_name for r in order.requirements.all()] == ["Sam Example"]

    def test_each_positive_requirement_needs_a_named_supervisor(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        assessment = _risk(officer, case, person)
        with pytest.raises(ValidationError) as refused:
            _action(
                officer,
                case,
                "respect-order",
                subject=person,
                started=timezone.now(),
                gates=services.GateInput(
                    risk_assessment=assessment,
                    requirements=[services.Requirement("Attend a course", "", "")],
                ),
            )
        assert "requirement_1_supervisor" in refused.value.error_dict

    def test_adults_only_and_the_age_must_be_known(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        unknown_age = make_person(officer, given_name="Ash", family_name="Undated")
        services.case_add_person(actor=officer, case=case, person=unknown_age, role="perpetrator")
        with pytest.raises(ValidationError, match="date of birth"):
            _action(officer, case, "respect-order", subject=unknown_age)
        teenager = make_person(
            officer, given_name="Kit", family_name="Teen", date_of_birth=dt.date(2010, 1, 1)
        )
        services.case_add_person(actor=officer, case=case, person=teenager, role="perpetrator")
        with pytest.raises(ValidationError, match="aged 18 or over"):
            _action(officer, case, "respect-order", subject=teenager)

    def test_a_respect_order_cannot_predate_the_act(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        with pytest.raises(ValidationError, match="could not be used before 29 June 2026"):
            _action(officer, case, "respect-order", subject=person, started=BEFORE_ACT)

    def test_the_risk_assessment_must_come_before_the_application(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        assessment = _risk(officer, case, person)  # made now
        with pytest.raises(ValidationError, match="must come before the application"):
            _action(
                officer,
                case,
                "respect-order",
                subject=person,
                started=timezone.now() - dt.timedelta(days=3),
                gates=services.GateInput(risk_assessment=assessment),
            )

    def test_breach_is_recorded_as_an_offence_referral(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        assessment = _risk(officer, case, person)
        order = _action(
            officer,
            case,
            "respect-order",
            subject=person,
            started=timezone.now(),
            gates=services.GateInput(risk_assessment=assessment),
        )
        with pytest.raises(ValidationError, match="criminal offence"):
            services.action_record_breach(
                actor=officer, action=order, occurred_at=timezone.now(), details="Went back."
            )
        breach = services.action_record_breach(
            actor=officer,
            action=order,
            occurred_at=timezone.now(),
            details="Went back to the flat.",
            referred_to="Test Police",
            referral_reference="OFF-123",
        )
        assert breach.offence_referral
        order.refresh_from_db()
        assert order.outcome == CaseAction.Outcome.BREACHED


class TestReplacedAndNewPowers:
    def test_the_asb_injunction_is_refused_for_new_records_but_old_ones_stay_readable(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        old = _action(officer, case, "civil-injunction", subject=person, started=BEFORE_ACT)
        with pytest.raises(ValidationError, match="use a Youth Injunction or Housing Injunction"):
            _action(officer, case, "civil-injunction", subject=person)
        response = client_for(officer).get(f"/cases/{case.uuid}/")
        assert response.status_code == 200
        assert b"Civil injunction" in response.content
        assert old.gate.rule.version == 1

    def test_a_youth_injunction_is_for_under_18s_and_needs_its_risk_assessment(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        adult = _adult_on_case(officer, case)
        with pytest.raises(ValidationError) as refused:
            _action(officer, case, "youth-injunction", subject=adult)
        assert "aged 17 or under" in str(refused.value)
        assert "risk_assessment" in refused.value.error_dict

    def test_a_48_hour_housing_closure_notice_needs_a_senior_managers_authorisation(self, cast):
        officer = cast.owner.officer  # a housing provider
        case = make_case(officer)
        with pytest.raises(ValidationError, match="senior manager"):
            _action(
                officer,
                case,
                "closure-notice-housing",
                gates=services.GateInput(notice_hours=48),
            )
        with pytest.raises(ValidationError, match="at most 48 hours"):
            _action(
                officer, case, "closure-notice-housing", gates=services.GateInput(notice_hours=72)
            )
        notice = _action(
            officer,
            case,
            "closure-notice-housing",
            gates=services.GateInput(
                notice_hours=48,
                authorised_by_name="Pat Manager",
                authorised_by_role="Director of Housing",
            ),
        )
        assert notice.expires_at == RECENT + dt.timedelta(hours=48)
        assert notice.gate.authorised_by_name == "Pat Manager"
        short = _action(officer, case, "closure-notice-housing")
        assert short.expires_at == RECENT + dt.timedelta(hours=24)
        with pytest.raises(ValidationError, match="can only be used by"):
            _action(
                cast.partner.officer,
                make_case(cast.partner.officer),
                "closure-notice-housing",
            )

    def test_vehicle_seizure_needs_no_prior_warning_from_commencement(self, cast):
        officer = cast.partner.officer  # the police
        case = make_case(officer)
        with pytest.raises(ValidationError, match="prior warning"):
            _action(officer, case, "vehicle-seizure", started=BEFORE_ACT)
        seized = _action(officer, case, "vehicle-seizure")
        assert seized.gate.rule.version == 2
        assert seized.gate.prior_warning_given is None

    def test_a_new_rule_version_changes_the_gate_without_code(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        rule = ActionRule.objects.create(
            action_type=ActionType.objects.get(code="closure-notice-housing"),
            version=2,
            effective_from=dt.date(2026, 10, 1),
            max_notice_hours=72,
            authorisation_over_hours=48,
        )
        notice = _action(
            officer, case, "closure-notice-housing", gates=services.GateInput(notice_hours=48)
        )
        assert notice.gate.rule == rule


class TestPagesAndApi:
    def _form(self, **overrides):
        data = {
            "started_at-day": "2",
            "started_at-month": "11",
            "started_at-year": "2026",
            "started_at-hour": "10",
            "started_at-minute": "0",
            "outcome": "pending",
            "cost_pounds": "0",
        }
        data.update(overrides)
        return data

    def test_the_page_refuses_a_respect_order_without_risk_assessment_with_a_govuk_error(
        self, cast
    ):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        response = client_for(officer).post(
            f"/cases/{case.uuid}/actions/add/",
            self._form(
                action_type=ActionType.objects.get(code="respect-order").pk, subject=person.pk
            ),
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "govuk-error-summary" in body
        assert "Record the pre-application risk assessment before recording a Respect Order" in body
        assert not case.actions.exists()

    def test_the_pages_record_the_risk_assessment_the_order_and_a_breach(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        client = client_for(officer)
        respect = ActionType.objects.get(code="respect-order")
        empty = client.post(
            f"/cases/{case.uuid}/risk-before-application/add/",
            {"action_type": respect.pk, "subject": person.pk},
        )
        assert empty.status_code == 200
        assert b"Describe the risk of harassment, alarm or distress" in empty.content
        response = client.post(
            f"/cases/{case.uuid}/risk-before-application/add/",
            {
                "action_type": respect.pk,
                "subject": person.pk,
                "harm_risk": "Threats.",
                "respondent_vulnerabilities": "None known.",
                "alternatives_tried": "Mediation.",
            },
        )
        assert response.status_code == 302
        assessment = case.pre_application_risks.get()
        now = timezone.localtime() + dt.timedelta(minutes=1)
        response = client.post(
            f"/cases/{case.uuid}/actions/add/",
            self._form(
                **{
                    "action_type": respect.pk,
                    "subject": person.pk,
                    "risk_assessment": assessment.pk,
                    "started_at-day": str(now.day),
                    "started_at-month": str(now.month),
                    "started_at-year": str(now.year),
                    "started_at-hour": str(now.hour),
                    "started_at-minute": str(now.minute),
                    "requirement_1": "Attend a course",
                    "requirement_1_supervisor": "Sam Example",
                    "requirement_1_supervisor_organisation": "Test Probation",
                }
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        order = case.actions.get()
        detail = client.get(f"/cases/{case.uuid}/").content.decode()
        assert "supervised by Sam Example (Test Probation)" in detail
        missing = client.post(
            f"/cases/{case.uuid}/actions/{order.uuid}/breaches/add/",
            {
                "occurred_at-day": str(now.day),
                "occurred_at-month": str(now.month),
                "occurred_at-year": str(now.year),
                "occurred_at-hour": str(now.hour),
                "occurred_at-minute": str(now.minute),
                "details": "Went back.",
            },
        )
        assert missing.status_code == 200
        assert b"is a criminal offence" in missing.content
        assert not order.breaches.exists()

    def test_other_agencies_get_404_on_the_new_pages(self, cast):
        case = make_case(cast.owner.officer)
        client = client_for(cast.unrelated.officer)
        assert client.get(f"/cases/{case.uuid}/risk-before-application/add/").status_code == 404

    def test_the_api_answers_400_with_field_errors_and_records_with_the_gates(self, cast):
        officer = cast.owner.officer
        case = make_case(officer)
        person = _adult_on_case(officer, case)
        api = make_api(cast.owner.organisation)
        refused = api.post(
            f"/api/v1/cases/{case.uuid}/actions/",
            {
                "action_type": "respect-order",
                "started_at": "2026-11-02T10:00:00Z",
                "subject": str(person.uuid),
            },
        )
        assert refused.status_code == 400
        assert "risk_assessment" in refused.json()["errors"] or "risk_assessment" in str(
            refused.json()
        )
        bad = api.post(
            f"/api/v1/cases/{case.uuid}/risk-before-application/",
            {
                "action_type": "respect-order",
                "subject": str(person.uuid),
                "harm_risk": "",
                "respondent_vulnerabilities": "",
                "alternatives_tried": "",
            },
        )
        assert bad.status_code == 400
        made = api.post(
            f"/api/v1/cases/{case.uuid}/risk-before-application/",
            {
                "action_type": "respect-order",
                "subject": str(person.uuid),
                "harm_risk": "Threats.",
                "respondent_vulnerabilities": "None known.",
                "alternatives_tried": "Mediation.",
            },
        )
        assert made.status_code == 201, made.json()
        recorded = api.post(
            f"/api/v1/cases/{case.uuid}/actions/",
            {
                "action_type": "respect-order",
                "started_at": (timezone.now() + dt.timedelta(seconds=5)).isoformat(),
                "subject": str(person.uuid),
                "risk_assessment": made.json()["uuid"],
                "requirements": [
                    {
                        "text": "Attend a course",
                        "supervisor_name": "Sam Example",
                        "supervisor_organisation": "Test Probation",
                    }
                ],
            },
        )
        assert recorded.status_code == 201, recorded.json()
        assert recorded.json()["requirements"][0]["supervisor_name"] == "Sam Example"
        assert recorded.json()["rule_version"] == 1
        breach = api.post(
            f"/api/v1/cases/{case.uuid}/actions/{recorded.json()['uuid']}/breaches/",
            {
                "occurred_at": (timezone.now() + dt.timedelta(seconds=10)).isoformat(),
                "details": "Went back.",
                "referred_to": "Test Police",
            },
        )
        assert breach.status_code == 201, breach.json()
        assert breach.json()["offence_referral"] is True
        other = make_api(cast.unrelated.organisation)
        assert (
            other.post(
                f"/api/v1/cases/{case.uuid}/risk-before-application/", {"action_type": "x"}
            ).status_code
            == 404
        )
