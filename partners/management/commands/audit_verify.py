"""Walk the audit log's hash chains and report the first broken link (exit status 1)."""

from django.core.management.base import BaseCommand, CommandError

from partners.audit_chain import verify


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chains: every event's hash, its link to the one before, "
        "and each chain's head. Reports the first broken link and exits with status 1."
    )

    def handle(self, *args, **options):
        result = verify()
        if result.broken:
            first = result.first_broken
            raise CommandError(
                f"The audit log has {len(result.broken)} broken link(s) in {result.events} "
                f"events. First broken link: {first}"
            )
        self.stdout.write(
            f"The audit log is intact: {result.events} events in {result.chains} chains."
        )
