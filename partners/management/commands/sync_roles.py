from django.core.management.base import BaseCommand

from partners.roles import role_groups_sync


class Command(BaseCommand):
    help = "Make each role's group hold exactly the permissions the apps declare for it."

    def handle(self, *args, **options):
        for role, count in role_groups_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
