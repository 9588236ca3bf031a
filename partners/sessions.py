"""A database session engine whose rows carry the user, so a user's sessions can be ended.

The idle timeout (SESSION_COOKIE_AGE) is counted from the session row's last save. Saving it on
every request (SESSION_SAVE_EVERY_REQUEST) was an UPDATE, and a WAL write, on every page for a
session that had not changed. A session is now saved when its data changes, and otherwise only
when its row was last saved IDLE_REFRESH or more ago: the idle timeout still runs from the
last request, give or take IDLE_REFRESH (a session left alone expires between 29 and 30
minutes after its last request, never later than before).
"""

from datetime import datetime, timedelta

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

# How stale the stored expiry may be before a request that changed nothing saves it anyway.
IDLE_REFRESH = timedelta(minutes=1)


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from partners.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            session.user_id = None
        return session

    def load(self):
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        if self._idle_expiry_is_stale(stored.expire_date, data):
            # SessionMiddleware saves a modified session, which moves its expiry on.
            self.modified = True
        return data

    def _idle_expiry_is_stale(self, expire_date: datetime, data: dict) -> bool:
        """Whether the row was saved IDLE_REFRESH or more ago. A session given a fixed expiry
        date (set_expiry with a datetime) has no idle timeout to move on."""
        expiry = data.get("_session_expiry")
        if isinstance(expiry, datetime | str) and expiry:
            return False
        # The row's expiry is its last save plus the session's age (the setting, or seconds
        # given to set_expiry); `expiry=` keeps get_expiry_age from reading the session being
        # loaded.
        age = timedelta(seconds=self.get_expiry_age(expiry=expiry))
        saved_at = expire_date - age
        return timezone.now() - saved_at >= IDLE_REFRESH
