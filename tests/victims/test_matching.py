"""Finding the same person across agencies: tolerant of typos, case, spacing and short forms,
never proposing a namesake with a different date of birth."""

import datetime as dt
from types import SimpleNamespace

import pytest

from victims.matching import Query, edit_distance, normalise_name, score, soundex

BORN = dt.date(1961, 5, 4)


def person(given, family, born=None, postcode="", uprn=""):
    return SimpleNamespace(
        given_name=given, family_name=family, date_of_birth=born, postcode=postcode, uprn=uprn
    )


QUERY = Query(given_name="Ivy", family_name="Lonsdale", date_of_birth=BORN, postcode="DH1 3NJ")


@pytest.mark.parametrize(
    "candidate",
    [
        person("Ivy", "Lonsdale", BORN),
        person("IVY", "LONSDALE", BORN),
        person(" ivy ", "lon sdale", BORN),
        person("Ivy", "Lonsdael", BORN),  # two letters swapped
        person("Ivy", "Lonsdal", BORN),  # one letter missing
        person("Ivey", "Lonsdale", BORN),  # first name typo
        person("Ivy", "Lonsdale", dt.date(1961, 4, 5)),  # day and month swapped, same postcode
        person("Ivy", "Lonsdale", None, "DH13NJ"),  # no date of birth, same postcode
        person("Ivy", "Lonsdale", None, "", "10002345678"),
    ],
)
def test_true_matches_are_found_despite_typos_case_and_spacing(candidate):
    query = QUERY
    if candidate.uprn:
        query = Query("Ivy", "Lonsdale", uprn="10002345678")
    if candidate.date_of_birth == dt.date(1961, 4, 5):
        candidate.postcode = "DH1 3NJ"
    assert score(query, candidate) is not None


def test_short_forms_of_names_match_with_the_reason():
    match = score(
        Query("Bob", "Ashworth", dt.date(1950, 1, 2)),
        person("Robert", "Ashworth", dt.date(1950, 1, 2)),
    )
    assert match is not None
    assert "first name is a form of the same name" in match.reasons
    # The reasons are shown to agencies that may see only a signpost: they never quote the
    # stored record.
    assert not any("Robert" in reason for reason in match.reasons)


def test_namesakes_with_different_dates_of_birth_are_never_proposed():
    assert score(QUERY, person("Ivy", "Lonsdale", dt.date(1988, 11, 30), "DH1 3NJ")) is None


def test_a_name_alone_is_not_enough():
    assert score(Query("Ivy", "Lonsdale"), person("Ivy", "Lonsdale")) is None


def test_a_different_first_name_is_not_the_same_person():
    assert score(QUERY, person("Harold", "Lonsdale", BORN, "DH1 3NJ")) is None


def test_reasons_explain_the_ranking():
    exact = score(QUERY, person("Ivy", "Lonsdale", BORN, "DH1 3NJ"))
    typo = score(QUERY, person("Ivy", "Lonsdael", BORN))
    assert exact.score > typo.score
    assert exact.reasons == [
        "same date of birth",
        "same surname",
        "same first name",
        "same postcode",
    ]
    assert "similar surname" in typo.reasons
    assert not any("Lonsdael" in reason for reason in typo.reasons)


def test_helpers():
    assert normalise_name("Mary-Jane O\u2019Neill") == "maryjaneoneill"
    assert soundex("Robert") == soundex("Rupert") == "R163"
    assert soundex("Ashcraft") == "A261"
    assert edit_distance("lonsdale", "lonsdael") == 1
