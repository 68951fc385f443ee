"""`manage.py db_worker`: django-tasks-db's worker, made to outlive database outages (`uploads.worker`).

It also runs the periodic duties in the background: jobs whose worker died (silent heartbeat) are queued
again and resume where they stopped; stale temporary upload files are removed.
"""

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from uploads.worker import ResilientWorker


class Command(db_worker.Command):
    help = db_worker.Command.help + " (surviving database outages; recovering jobs whose worker died)"

    def handle(
        self, *, verbosity: int, queue_name: str, exclude_queues: str, reload: bool, batch: bool, **options
    ) -> None:
        """django-tasks-db's `handle`, with `ResilientWorker` in place of its `Worker`."""
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            **{name: options[name] for name in WORKER_OPTIONS},
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()


WORKER_OPTIONS = ("interval", "backend_name", "startup_delay", "max_tasks", "worker_id")
