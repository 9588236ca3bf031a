"""Load the demo partnership. Idempotent; refuses to run with production settings.

Each app may contribute demo data in a `demo.py` module with a `seed(stdout)` function; they
run in INSTALLED_APPS order, so each app's data can rely on the apps before it.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo partnership (organisations, users and fictitious records)."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError(
                "seed_demo refuses to run with production settings: demo accounts share a "
                "published password."
            )
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
