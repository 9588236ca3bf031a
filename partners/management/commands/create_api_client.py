"""`manage.py create_api_client <org-slug> <name> [--role case_officer]`: what a partner admin
does on the API clients page, from the command line. Prints the token, which is not kept."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners import services
from partners.audit import SystemActor
from partners.models import Membership, Organisation

COMMAND_ACTOR = SystemActor("create_api_client")


class Command(BaseCommand):
    help = "Create an API client for an organisation and print its token (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="The organisation's slug")
        parser.add_argument("name", help="What the system is, e.g. 'Housing CRM'")
        parser.add_argument(
            "--role",
            default=Membership.Role.CASE_OFFICER,
            choices=Membership.Role.values,
            help="The role it acts with (default: case_officer)",
        )

    def handle(self, *args, organisation: str, name: str, role: str, **options):
        found = Organisation.objects.filter(slug=organisation, active=True).first()
        if found is None:
            raise CommandError(f"No active organisation with the slug {organisation!r}.")
        try:
            new = services.api_client_create(
                actor=COMMAND_ACTOR, organisation=found, name=name, role=role
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"Created API client {new.client.name!r} ({new.client.pk}) for {found.name}, "
            f"acting as {new.client.get_role_display().lower()}. Its token follows; it is not "
            "kept, so copy it now."
        )
        self.stdout.write(new.token)
