"""One definition of "the same problem", shared by the threshold engine (judging an application)
and the proactive sweep (finding people and places with no application yet).

A complaint is about the same problem as another when:
- it is made by or about the same person, and is the same kind of behaviour, or happens at the
  same place (one address reported as noise, then harassment, then criminal damage is one
  problem), or is on the case the application is about;
- it is made by or about someone else, and is the same kind of behaviour at the same place
  (a neighbour's report of something else at the postcode is a different problem).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """What an application (or, in the sweep, an anchor complaint) is about."""

    incident_type_id: int
    postcode: str
    case_incident_ids: frozenset[int] = field(default_factory=frozenset)


def same_problem(
    problem: Problem,
    *,
    incident_type_id: int,
    postcode: str,
    about_the_person: bool,
    incident_id: int | None = None,
) -> bool:
    same_kind = incident_type_id == problem.incident_type_id
    same_place = bool(postcode) and postcode == problem.postcode
    if about_the_person:
        return same_kind or same_place or incident_id in problem.case_incident_ids
    return same_kind and same_place
