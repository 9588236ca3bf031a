"""Who may sign in: an active user with a membership of an active organisation."""

from django.contrib.auth.backends import ModelBackend

from partners.models import User


class MemberBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        membership = getattr(user, "membership", None)
        return membership is not None and membership.organisation.active

    def get_user(self, user_id):
        # Runs on every request: a deactivated user, or one whose organisation was
        # deactivated, is signed out at their next request.
        user = User.objects.select_related("membership__organisation").filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's answer (the user's own permissions and their groups'), read in one
        statement instead of two: every signed-in page asks (the view's permission_required,
        the viewer's role). Read once per request, as before, on the user object of the
        request, so a role or group change applies from the next request."""
        if (
            not user_obj.is_active
            or user_obj.is_anonymous
            or obj is not None
            or user_obj.is_superuser
        ):
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            own = self._get_user_permissions(user_obj)
            groups = self._get_group_permissions(user_obj)
            fields = ("content_type__app_label", "codename")
            rows = own.values_list(*fields).order_by().union(groups.values_list(*fields).order_by())
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
