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
