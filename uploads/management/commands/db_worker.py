"""`manage.py db_worker`: django-tasks-db's worker, which first takes over upload jobs whose worker died.

A worker killed in the middle of an upload leaves its job `running` and its task claimed for ever; when a
worker (re)starts, `upload_jobs_recover` queues such jobs again, and they resume where they stopped.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from uploads.tasks import upload_jobs_recover


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + " (after resuming upload jobs whose worker died)"

    def handle(self, *args, **options) -> None:
        recovered = upload_jobs_recover()
        if recovered:
            self.stdout.write(f"Resuming upload jobs whose worker died: {', '.join(map(str, recovered))}")
        super().handle(*args, **options)
