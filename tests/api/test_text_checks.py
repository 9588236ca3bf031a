"""Text from a partner system may not hold a surrogate code point (no UTF-8 text can carry
one): the API's parser refuses such a body whole, and a serializer names the field with DRF's
own message. Any other text, accented or not, is kept as it is. The field check is
`partners.api.base._SurrogateCheck`, which gives DRF's answer without a Python loop over every
character (issue 16)."""

from __future__ import annotations

import json

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from asb_cases.api.incidents import IncidentInputSerializer
from asb_cases.models import Incident
from partners.api.base import _SurrogateCheck
from tests.api.conftest import incident_body

BULK = "/api/v1/incidents/bulk/"

TEXTS = [
    "",
    "Loud music until 2am.",
    "Zoë Łukasiewicz, Café Nöel, 😀 and 名前",
    "a\ud800b",
    "\udfff at the start",
    "a pair written apart \ud83d\ude00",
    "late " + "x" * 5000 + "\udc00",
]


def _verdict(check, text: str) -> str | None:
    try:
        check(text)
    except ValidationError as error:
        return str(error.detail[0])
    return None


@pytest.mark.parametrize("text", TEXTS)
def test_the_check_answers_as_drf_does(text):
    assert _verdict(_SurrogateCheck(), text) == _verdict(
        ProhibitSurrogateCharactersValidator(), text
    )


def test_every_text_field_of_the_incident_and_its_people_uses_it():
    serializer = IncidentInputSerializer(context={"incident_types": {}})
    serializers = [serializer, serializer.fields["location"], serializer.fields["reporter"]]
    text_fields = [
        field
        for each in serializers
        for field in each.fields.values()
        if field.__class__.__name__ == "CharField"
    ]
    for each in serializers:
        each._names  # noqa: B018 (bound as the first item is checked)
    assert text_fields
    for field in text_fields:
        kinds = [type(check) for check in field.validators]
        assert _SurrogateCheck in kinds, field.field_name
        assert ProhibitSurrogateCharactersValidator not in kinds, field.field_name


def test_the_serializer_names_the_surrogate_in_its_field():
    """Checked by the serializer itself (the API's parser refuses such a body before it)."""
    serializer = IncidentInputSerializer(
        data=incident_body(description="Shouting \ud800 at night"),
        context={"incident_types": {}},
    )
    assert not serializer.is_valid()
    assert [str(message) for message in serializer.errors["description"]] == [
        "Surrogate characters are not allowed: U+D800."
    ]


@pytest.mark.django_db
def test_accented_text_is_kept_and_a_body_with_a_surrogate_is_refused_whole(cast, owner_api):
    kept_text = "Zoë said the music was loud — 名前 😀"
    response = owner_api.post(
        BULK,
        {
            "incidents": [
                incident_body("TXT-0", description=kept_text),
                incident_body(
                    "TXT-1", reporter={"given_name": "Zoë", "family_name": "Łukasiewicz"}
                ),
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert [item["outcome"] for item in response.json()["results"]] == ["created", "created"]
    assert Incident.objects.get(external_ref="TXT-0").description == kept_text

    # json.dumps writes a lone surrogate as its \\u escape: the API's parser reads the body
    # back and refuses it whole, before any item is checked, and saves nothing.
    refused = owner_api.post(
        BULK, json.dumps({"incidents": [incident_body("TXT-2", description="a \ud800 b")]})
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "parse_error"
    assert not Incident.objects.filter(external_ref="TXT-2").exists()
