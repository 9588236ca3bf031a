"""Load police.uk street-level CSV files as the open-data context layer.

    python manage.py import_policeuk 2019-01-durham-street.csv 2019-02-durham-street.csv

Only anti-social behaviour rows in County Durham and Darlington are loaded; every other row is
counted as skipped, with the reason. Importing a file again loads nothing new.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting import selectors, services
from reporting.models import OpenDataImport


class Command(BaseCommand):
    help = (
        "Load police.uk street-level CSV files (anti-social behaviour in the partnership's area)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, files, **options):
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        failed = 0
        for path in files:
            try:
                record = services.policeuk_import_file(path=path)
            except UnicodeDecodeError:
                self.stderr.write(f"{path.name}: not UTF-8 text; nothing loaded.")
                failed += 1
                continue
            if record.status != OpenDataImport.Status.DONE:
                self.stderr.write(f"{path.name}: {record.error}")
                failed += 1
                continue
            self.stdout.write(
                f"{path.name}: {record.rows_total} rows; loaded {record.loaded}, already "
                f"loaded {record.already_loaded}, skipped {record.skipped}."
            )
            for label, count in selectors.skip_reasons(record):
                self.stdout.write(f"  skipped {count}: {label}")
        if failed:
            raise CommandError(f"{failed} of {len(files)} files could not be loaded.")
