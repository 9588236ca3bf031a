"""Recompute every victim's stored next contact due (after the contact standards or the bank
holidays changed, or to check nothing drifted): `manage.py contact_due_refresh`."""

from django.core.management.base import BaseCommand

from asb_cases.services.contact_due import contact_due_refresh_all


class Command(BaseCommand):
    help = "Recompute every victim's next contact due date (CasePerson.contact_due_on)."

    def handle(self, *args, **options) -> None:
        changed = contact_due_refresh_all()
        self.stdout.write(f"{changed} victim links changed")
