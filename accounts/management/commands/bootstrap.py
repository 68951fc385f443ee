"""`manage.py bootstrap`: role groups; on an empty database, a local admin whose password is printed once."""

from django.core.management.base import BaseCommand

from accounts.services import local_admin_bootstrap


class Command(BaseCommand):
    help = "Create the role groups and, when no user exists yet, a local 'admin' with a random password."

    def handle(self, *args, **options) -> None:
        password = local_admin_bootstrap()
        if password is None:
            self.stdout.write("Users already exist: nothing to create.")
            return
        self.stdout.write(self.style.SUCCESS("Created the local administrator. This password is shown once:"))
        self.stdout.write(f"    username: admin\n    password: {password}")
