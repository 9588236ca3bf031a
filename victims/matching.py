"""Finding the same person again across agencies, tolerant of case, spacing, typos and common
short forms of names, and explaining why a record was proposed.

Candidates come from cheap indexed blocks (same date of birth, postcode or UPRN, or the same
phonetic surname code with a compatible first name) and are then scored here. Two records with
the same name but different, known dates of birth are never proposed as the same person.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

# Common English short forms, each group being one name. Matching is symmetric.
NAME_GROUPS = [
    {"robert", "rob", "bob", "bobby", "robbie"},
    {"william", "will", "bill", "billy", "liam"},
    {"elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"},
    {"katherine", "catherine", "kathryn", "kate", "katie", "kath", "cathy", "kathy"},
    {"james", "jim", "jimmy", "jamie"},
    {"michael", "mike", "mick", "mickey"},
    {"david", "dave", "davy"},
    {"christopher", "chris", "kit"},
    {"thomas", "tom", "tommy"},
    {"susan", "sue", "susie", "suzanne"},
    {"jennifer", "jen", "jenny"},
    {"margaret", "maggie", "meg", "peggy", "marge", "margie"},
    {"dorothy", "dot", "dotty", "dora"},
    {"john", "jack", "johnny", "jon"},
    {"edward", "ed", "eddie", "ted", "teddy", "ned"},
    {"anthony", "tony"},
    {"richard", "rich", "rick", "dick", "richie"},
    {"patricia", "pat", "patty", "trish"},
    {"patrick", "pat", "paddy"},
    {"joseph", "joe", "joey"},
    {"daniel", "dan", "danny"},
    {"matthew", "matt"},
    {"andrew", "andy", "drew"},
    {"stephen", "steven", "steve"},
    {"samuel", "sam", "sammy"},
    {"samantha", "sam", "sammy"},
    {"alexander", "alex", "sandy"},
    {"alexandra", "alex", "sandra", "sandy"},
    {"victoria", "vicky", "vicki", "tori"},
    {"rebecca", "becky", "becca"},
    {"deborah", "debbie", "deb", "debra"},
    {"kimberley", "kimberly", "kim"},
    {"nicholas", "nick", "nicky"},
    {"nicola", "nicky", "nikki"},
    {"charles", "charlie", "chas"},
    {"frederick", "fred", "freddie"},
    {"henry", "harry", "hal"},
    {"lawrence", "laurence", "larry", "laurie"},
    {"gerald", "gerry", "jerry"},
    {"kenneth", "ken", "kenny"},
    {"ronald", "ron", "ronnie"},
    {"donald", "don", "donnie"},
    {"leonard", "len", "lenny"},
    {"terence", "terrence", "terry"},
    {"timothy", "tim", "timmy"},
    {"gregory", "greg"},
    {"jacqueline", "jackie", "jacqui"},
    {"josephine", "jo", "josie"},
    {"joanne", "joanna", "jo"},
    {"christine", "chris", "chrissie", "tina"},
    {"caroline", "carol", "carrie"},
    {"pamela", "pam"},
    {"barbara", "barb", "babs"},
    {"helen", "nell", "nellie"},
    {"abigail", "abby", "abbie"},
    {"gillian", "jill", "gill"},
    {"philip", "phillip", "phil"},
    {"benjamin", "ben", "benny"},
    {"jonathan", "jon", "jonny"},
    {"zachary", "zach", "zac"},
    {"mohammed", "muhammad", "mohammad", "mohamed", "mo"},
]
_VARIANTS: dict[str, set[str]] = {}
for _group in NAME_GROUPS:
    for _name in _group:
        _VARIANTS.setdefault(_name, set()).update(_group)


# Pure functions of names, cached: a lookup scores up to 2,000 records, most of them sharing a
# handful of surnames and first names (victims.selectors.person_candidates).
_NAMES_CACHED = 8192


@functools.lru_cache(maxsize=_NAMES_CACHED)
def normalise_name(value: str) -> str:
    """'  Mary-Jane O\u2019Neill ' -> 'maryjaneoneill': lower case, no accents, letters only."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = decomposed.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_only.lower())


@functools.lru_cache(maxsize=_NAMES_CACHED)
def soundex(value: str) -> str:
    """American Soundex of a name (e.g. Robert -> R163); '' for a name without letters."""
    name = normalise_name(value)
    if not name:
        return ""
    codes = {
        **dict.fromkeys("bfpv", "1"),
        **dict.fromkeys("cgjkqsxz", "2"),
        **dict.fromkeys("dt", "3"),
        "l": "4",
        **dict.fromkeys("mn", "5"),
        "r": "6",
    }
    result = name[0].upper()
    previous = codes.get(name[0], "")
    for letter in name[1:]:
        code = codes.get(letter, "")
        if code and code != previous:
            result += code
        if letter not in "hw":
            previous = code
    return (result + "000")[:4]


@functools.lru_cache(maxsize=_NAMES_CACHED)
def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    neighbouring letters each count one."""
    if a == b:
        return 0
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def _close(a: str, b: str) -> bool:
    """A typo apart: one edit for short names, two for names of eight letters or more."""
    allowed = 2 if min(len(a), len(b)) >= 8 else 1
    return edit_distance(a, b) <= allowed


def name_variants(given_name: str) -> set[str]:
    return set(_name_variants(given_name))


@functools.lru_cache(maxsize=_NAMES_CACHED)
def _name_variants(given_name: str) -> frozenset[str]:
    name = normalise_name(given_name)
    return frozenset(_VARIANTS.get(name, set()) | {name})


@dataclass(frozen=True)
class Query:
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    postcode: str = ""
    uprn: str = ""


@dataclass
class Match:
    score: int
    reasons: list[str] = field(default_factory=list)


# A record scoring this much, with its surname matching in some way, is proposed.
PROPOSE_FROM = 55


def score(query: Query, candidate) -> Match | None:
    """How well a stored record of a person matches what the officer typed, with reasons;
    None when it is not worth proposing (or is known to be someone else). The reasons say how
    the record matches, never what it holds: they are shown to organisations that may see no
    more of the person than a signpost."""
    reasons: list[str] = []
    total = 0

    # Dates of birth: when both are known and differ (other than day and month swapped), this
    # is a different person, however alike the names.
    dob_swapped = False
    if query.date_of_birth and candidate.date_of_birth:
        q, c = query.date_of_birth, candidate.date_of_birth
        if q == c:
            total += 30
            reasons.append("same date of birth")
        elif (q.year, q.month, q.day) == (c.year, c.day, c.month):
            total += 15
            dob_swapped = True
            reasons.append("date of birth with day and month swapped")
        else:
            return None

    family_q, family_c = normalise_name(query.family_name), normalise_name(candidate.family_name)
    if family_q and family_q == family_c:
        total += 35
        reasons.append("same surname")
    elif family_q and family_c and _close(family_q, family_c):
        total += 25
        reasons.append("similar surname")
    elif family_q and soundex(family_q) == soundex(family_c):
        total += 15
        reasons.append("surname sounds the same")
    else:
        return None

    given_q, given_c = normalise_name(query.given_name), normalise_name(candidate.given_name)
    if given_q and given_q == given_c:
        total += 25
        reasons.append("same first name")
    elif given_q and given_c in _name_variants(given_q):
        total += 20
        reasons.append("first name is a form of the same name")
    elif given_q and given_c and _close(given_q, given_c):
        total += 15
        reasons.append("similar first name")
    elif (
        given_q
        and given_c
        and (len(given_q) == 1 or len(given_c) == 1)
        and (given_q[0] == given_c[0])
    ):
        total += 8
        reasons.append("same first initial")

    postcode_q = re.sub(r"\s", "", query.postcode or "").upper()
    postcode_c = re.sub(r"\s", "", candidate.postcode or "").upper()
    if postcode_q and postcode_q == postcode_c:
        total += 15
        reasons.append("same postcode")
    elif postcode_q and postcode_c and postcode_q[:-3] == postcode_c[:-3]:
        total += 5
        reasons.append("same postcode district")
    if query.uprn and query.uprn == candidate.uprn:
        total += 25
        reasons.append("same property (UPRN)")

    corroborated = any(
        reason.startswith(("same date", "date of birth", "same postcode", "same property"))
        for reason in reasons
    )
    if not corroborated:  # a name alone is never enough
        return None
    first_name_agrees = any("first" in reason for reason in reasons)
    if not first_name_agrees and "same property (UPRN)" not in reasons:
        return None
    if dob_swapped and total < PROPOSE_FROM + 10:
        return None
    return Match(score=total, reasons=reasons) if total >= PROPOSE_FROM else None
