"""The task worker (`manage.py db_worker`): django-tasks-db's loop, made to outlive database outages.

- A connection error anywhere in the loop (idle polling, or a task in progress) no longer ends the process:
  the worker closes its connections, logs the outage once, retries after 1 s, doubling up to 30 s, and
  resumes when the database answers again.
- A task cut off by the outage is put back in the queue, so it runs again from the start; an upload job then
  resumes from its journal (`uploads.jobs`). Nothing is logged as failed: no row was marked.
- A task in `LEASED_TASKS` (one without a job row that holds a lease of its own) runs under a `TaskLease`
  with a heartbeat; when its worker dies, any worker's recovery puts the task back in the queue.
- A background thread runs the periodic duties (`DUTIES`: take over jobs whose worker died, sweep stale
  temporary files and orphan spools (`uploads.spool`), purge what has been in the trash longer than
  `TRASH_DAYS`, delete background exports past `EXPORT_RETENTION_HOURS`) every `UPLOAD_JOB_STALE_SECONDS / 2`,
  whether the worker is busy or idle.
"""

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core.errors import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# Run by the duties thread, in this order; each returns what it did (logged when not empty).
DUTIES = (
    "uploads.leases.leases_recover",
    "uploads.temporary.upload_temp_sweep",
    "uploads.spool.spool_orphans_sweep",
    "gallery.trash.trash_purge",
    "exports.jobs.export_jobs_expire",
)
# Tasks without a job row that holds a lease (thumbnail regeneration has no row; a background export's row
# only says running): run under a TaskLease, so none stays running after its worker died.
LEASED_TASKS = frozenset({"gallery.tasks.images_thumbnails_regenerate", "exports.tasks.export_job_process"})
_DATABASE_ERROR_PATHS = {f"{kind.__module__}.{kind.__qualname__}" for kind in DATABASE_UNAVAILABLE}


def database_reachable() -> bool:
    """Whether a fresh connection answers a query; leaves no broken connection behind."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DATABASE_UNAVAILABLE:
        connections_close()
        return False


def connections_close() -> None:
    """Drop this thread's connections, broken or not (closing a dead one may raise too)."""
    for alias in connections:
        try:
            connections[alias].close()
        except DATABASE_UNAVAILABLE:
            connections[alias].connection = None


class Outage:
    """Whether the database is known to be down: logged once when it goes, once when it comes back."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None

    def begin(self, exc: BaseException) -> None:
        with self.lock:
            if self.since is not None:
                return
            self.since = time.monotonic()
        logger.error(
            "database unavailable (%s); the worker waits and retries (after %g s, doubling to %g s)",
            str(exc).strip() or type(exc).__name__,
            BACKOFF_FIRST_SECONDS,
            BACKOFF_MAX_SECONDS,
        )

    def end(self) -> None:
        with self.lock:
            since, self.since = self.since, None
        if since is not None:
            logger.warning(
                "database available again after %.0f s; the worker resumes", time.monotonic() - since
            )


class ResilientWorker(Worker):
    """django-tasks-db's `Worker` that waits out database outages instead of exiting (see the module)."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.outage = Outage()
        self.interrupted: list[str] = []  # ids of task results cut off by an outage, to queue again

    def run(self) -> None:
        from uploads.leases import lease_holder_set

        lease_holder_set(self.worker_id)
        duties = Duties(self.outage)
        duties.run_once()  # before the first task: a `--batch` run also takes over abandoned jobs
        duties.start()
        while self.running:
            try:
                super().run()
                return  # --batch or --max-tasks: the loop ended by itself
            except DATABASE_UNAVAILABLE as exc:
                self.outage.begin(exc)
                self.startup_delay = False
                self._wait_for_database()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            if db_task_result.task_path in LEASED_TASKS:
                with task_leased(db_task_result):
                    super().run_task(db_task_result)
            else:
                super().run_task(db_task_result)
        except DATABASE_UNAVAILABLE:
            self.interrupted.append(str(db_task_result.pk))  # its failure could not even be recorded
            raise
        if db_task_result.exception_class_path in _DATABASE_ERROR_PATHS:
            # The task lost the database, which came back in time to record the failure: not the task's.
            self.interrupted.append(str(db_task_result.pk))
            self._interrupted_requeue()

    def _wait_for_database(self) -> None:
        delay = BACKOFF_FIRST_SECONDS
        connections_close()
        while self.running:
            time.sleep(delay)
            if database_reachable():
                break
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)
        else:
            return
        self.outage.end()
        self._interrupted_requeue()

    def _interrupted_requeue(self) -> None:
        """Put the tasks an outage cut off back in the queue (their jobs resume from their journals)."""
        ids, self.interrupted = self.interrupted, []
        if ids:
            DBTaskResult.objects.filter(pk__in=ids).update(
                status=TaskResultStatus.READY,
                run_after=timezone.now(),
                started_at=None,
                finished_at=None,
                exception_class_path="",
                traceback="",
            )
            logger.warning("task(s) %s, cut off by the database outage, queued again", ", ".join(ids))


class Duties(threading.Thread):
    """The worker's periodic duties (`DUTIES`), on their own thread and database connection."""

    def __init__(self, outage: Outage) -> None:
        super().__init__(name="worker-duties", daemon=True)
        self.outage = outage
        self.duties: list[Callable[[], object]] = [import_string(path) for path in DUTIES]

    def run(self) -> None:
        while True:
            time.sleep(duties_interval())
            self.run_once()

    def run_once(self) -> None:
        for duty in self.duties:
            try:
                close_old_connections()
                done = duty()
            except DATABASE_UNAVAILABLE as exc:
                self.outage.begin(exc)
                connections_close()
                return
            except Exception:
                logger.exception("worker duty %s failed", duty.__name__)
                continue
            self.outage.end()
            if done:
                logger.info("worker duty %s: %s", duty.__name__, done)
        connections_close()  # an idle thread holds no connection


def duties_interval() -> float:
    """Seconds between two runs of the duties: half the time after which a silent job is taken over."""
    return max(1.0, settings.UPLOAD_JOB_STALE_SECONDS / 2)


@contextlib.contextmanager
def task_leased(db_task_result: DBTaskResult) -> Iterator[None]:
    """Run a task under a TaskLease with a heartbeat (`uploads.leases`); the lease goes when the task ends."""
    from uploads.leases import lease_heartbeat, lease_take
    from uploads.models import TaskLease

    lease = TaskLease.objects.create(task_result=str(db_task_result.pk), task_path=db_task_result.task_path)
    lease = lease_take(TaskLease, lease.pk)
    try:
        with lease_heartbeat(lease):
            yield
    finally:
        TaskLease.objects.filter(pk=lease.pk).delete()


def task_lease_requeue(lease_id: int) -> None:
    """A leased task whose worker died: put its task result back in the queue, to run again from the start."""
    from uploads.models import TaskLease

    lease = TaskLease.objects.filter(pk=lease_id).first()
    if lease is None:
        return
    task_result_requeue(lease.task_result)
    lease.delete()


def task_result_requeue(task_result_id: str) -> bool:
    """Put a task result left `running` by a worker that died back in the queue, to run again from the
    start (by any worker); whether there was one."""
    try:
        pk = uuid.UUID(task_result_id)
    except ValueError:
        return False  # none, or not a task of the database queue (another backend's id)
    return bool(
        DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, run_after=timezone.now(), started_at=None, finished_at=None
        )
    )
