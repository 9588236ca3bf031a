"""Who is asking: a member of an organisation (signed in, or an API client's service user) or a
named system actor. Built once per request and cached on the user it was built from.

A viewer's role says what kinds of record they work with (the role's model permissions, from
`<app>.apps.role_permissions`); which records of those kinds they see is `access.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from partners.models import Membership, Organisation, User

Role = Membership.Role


@dataclass(frozen=True, eq=False)
class Viewer:
    user: User | None
    organisation: Organisation | None
    role: str
    api_client_id: Any = None
    # A background job (the Case Review engine, status recomputation): sees every record it
    # needs to count, shows nothing to anyone.
    system: bool = False

    def may(self, perm: str) -> bool:
        """The role's model permission `app_label.codename` (never an object permission)."""
        if self.system:
            return True
        return self.user is not None and self.user.has_perm(perm)

    @property
    def is_member(self) -> bool:
        return self.organisation is not None and not self.system

    @property
    def organisation_id(self):
        return self.organisation.pk if self.organisation is not None else None

    @property
    def group_id(self) -> int | None:
        return self.organisation.group_id if self.organisation is not None else None

    @property
    def is_api_client(self) -> bool:
        return self.api_client_id is not None

    @property
    def is_champion(self) -> bool:
        """Runs the partnership's ASB Case Reviews."""
        return self.is_member and self.may("community_trigger.decide_application")

    @property
    def is_supervisor(self) -> bool:
        return self.is_member and self.may("asb_cases.decide_transfer")

    @property
    def is_partnership_admin(self) -> bool:
        """Changes partnership-wide definitions and brings organisations in (partners.roles)."""
        return self.is_member and self.user.membership.is_partnership_admin

    @property
    def sees_people(self) -> bool:
        """May see people at all (their own organisation's records of them, what is shared
        with it, and signposts). Analysts never do, whatever their role is later given."""
        return self.is_member and self.role != Role.ANALYST and self.may("victims.view_person")

    @property
    def partnership(self) -> bool:
        """Sees partnership-wide totals on dashboards (the ASB Champion, analysts): counts,
        never other agencies' records."""
        return self.is_member and self.may("reporting.view_partnership_totals")

    @property
    def label(self) -> str:
        if self.system:
            return "system"
        if self.organisation is None:
            return "anonymous"
        return f"{self.user.get_username()} ({self.organisation.slug})"


NOBODY = Viewer(user=None, organisation=None, role="")
SYSTEM = Viewer(user=None, organisation=None, role="", system=True)

_CACHE = "_access_viewer"


def viewer_for(user: User | Any, *, api_client: Any = None) -> Viewer:
    """The viewer for a user (and the API client it acts for, named by the API's
    authentication): their organisation and role. Cached on the user object, so a request
    builds it once; an inactive user or organisation is nobody."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE, None)
    if cached is not None and (api_client is None or cached.api_client_id == api_client.pk):
        return cached
    membership = getattr(user, "membership", None)
    if membership is None or not membership.organisation.active:
        viewer = NOBODY
    else:
        viewer = Viewer(
            user=user,
            organisation=membership.organisation,
            role=membership.role,
            api_client_id=api_client.pk if api_client is not None else None,
        )
    setattr(user, _CACHE, viewer)
    return viewer
