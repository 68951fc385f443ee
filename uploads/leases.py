"""Leases: which worker runs a background job, proven by a recent heartbeat in the database.

A leased row (`UploadJob`, `SyncRun`) has `status` (`JobStatus`), `worker` (the holder's id) and
`heartbeat_at`. A worker takes the lease when it starts the job (`lease_take`) and renews it as the job makes
progress (`lease_renew`). A running job whose heartbeat is older than `UPLOAD_JOB_STALE_SECONDS` is abandoned,
whoever held it: the age alone decides, never a host name or a PID (containers share host names, not PIDs).
Every worker runs `leases_recover` periodically (`uploads.worker`): it queues abandoned jobs again through
their kind's `Leased.requeue`, and any worker may then take them over.

A job that cannot renew as it goes (a sync walking a large album, a task without a progress hook) holds
`lease_heartbeat` around its work: a thread renews the heartbeat while the process lives, and dies with it.

Kinds of leased job are listed in `LEASED`; a new kind adds its model and the function that queues one of
its rows again (given the row's id).
"""

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.jobs import JobStatus

logger = logging.getLogger(__name__)

_holder: tuple[int, str] | None = None  # (pid, id): a forked child gets its own id


class LeaseLost(Exception):
    """Another worker took this job over (its heartbeat had gone stale); stop working on it, quietly."""


def lease_holder() -> str:
    """This process's worker id (db_worker's `--worker-id`, else host + a random part), on its leases."""
    global _holder
    if _holder is None or _holder[0] != os.getpid():
        _holder = (os.getpid(), f"{socket.gethostname()}-{uuid.uuid4().hex[:12]}")
    return _holder[1]


def lease_holder_set(worker_id: str) -> None:
    """Make `worker_id` this process's lease holder id (db_worker passes its own)."""
    global _holder
    _holder = (os.getpid(), worker_id)


def stale_before() -> datetime:
    """Heartbeats older than this mark their job abandoned."""
    return timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS)


def lease_abandoned(row: models.Model) -> bool:
    """Whether a running row's holder has been silent longer than `UPLOAD_JOB_STALE_SECONDS`."""
    return row.heartbeat_at is None or row.heartbeat_at < stale_before()


def lease_take(
    model: type[models.Model], pk: int, *, changes: Callable[[models.Model], list[str]] | None = None
) -> models.Model | None:
    """Start (or resume) job `pk` under this worker's lease; None when it is finished or held by a live one.

    A running job may be taken when its heartbeat is stale, or when this worker already holds it (a task run
    again after a database outage). `changes(row)` may set more fields, saved in the same write.
    """
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if row.status == JobStatus.RUNNING and row.worker != lease_holder() and not lease_abandoned(row):
            return None  # a live worker has it
        extra = changes(row) if changes else []  # sees the row as it was (e.g. who held it)
        now = timezone.now()
        row.status, row.worker, row.heartbeat_at = JobStatus.RUNNING, lease_holder(), now
        row.started_at = row.started_at or now
        fields = ["status", "worker", "heartbeat_at", "started_at", *extra]
        row.save(update_fields=fields)
    return row


def lease_renew(row: models.Model, *fields: str) -> None:
    """Save `fields` of a job this worker runs, with a new heartbeat; LeaseLost if it was taken over."""
    row.heartbeat_at = timezone.now()
    values = {name: getattr(row, name) for name in (*fields, "heartbeat_at")}
    if not type(row).objects.filter(pk=row.pk, worker=lease_holder()).update(**values):
        raise LeaseLost(f"{row._meta.label} {row.pk} was taken over by another worker")


def lease_release(row: models.Model, *fields: str) -> None:
    """Give a running job back to the queue (it waits, or its worker lost the database); saves `fields`."""
    row.status, row.worker, row.heartbeat_at = JobStatus.QUEUED, "", None
    row.save(update_fields=["status", "worker", "heartbeat_at", *fields])


@contextlib.contextmanager
def lease_heartbeat(row: models.Model, *, every: float | None = None) -> Iterator[None]:
    """Renew the heartbeat of `row` (leased by this worker) every `every` s, by default a quarter of
    `UPLOAD_JOB_STALE_SECONDS`, on a thread of its own, for as long as the block runs."""
    interval = every if every is not None else max(0.5, settings.UPLOAD_JOB_STALE_SECONDS / 4)
    holder, stop = lease_holder(), threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                if not type(row).objects.filter(pk=row.pk, worker=holder).update(heartbeat_at=timezone.now()):
                    logger.warning("%s %s was taken over by another worker", row._meta.label, row.pk)
                    return
        except Exception:  # a database outage: the heartbeat goes stale, as it should
            logger.warning("heartbeat of %s %s stopped", row._meta.label, row.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{row._meta.model_name}-{row.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@dataclass(frozen=True)
class Leased:
    """One kind of leased job: its model, and the function that queues one of its rows again."""

    model: str  # "app_label.Model"
    requeue: str  # dotted path of `f(pk: int) -> None`


LEASED = (
    Leased("uploads.UploadJob", "uploads.tasks.upload_job_requeue"),
    Leased("uploads.SyncRun", "uploads.tasks.sync_run_requeue"),
    Leased("uploads.TaskLease", "uploads.worker.task_lease_requeue"),
)


def leases_recover() -> dict[str, list[int]]:
    """Queue again every running job whose heartbeat is stale; returns the ids taken, by model.

    Safe at any time and from every worker at once: a row is taken back only if nobody renewed it meanwhile.
    """
    from django.apps import apps

    recovered: dict[str, list[int]] = {}
    for kind in LEASED:
        model = apps.get_model(kind.model)
        stale = model.objects.filter(status=JobStatus.RUNNING).filter(
            models.Q(heartbeat_at__lt=stale_before()) | models.Q(heartbeat_at__isnull=True)
        )
        for pk, worker, heartbeat_at in stale.values_list("pk", "worker", "heartbeat_at"):
            if model.objects.filter(
                pk=pk, status=JobStatus.RUNNING, worker=worker, heartbeat_at=heartbeat_at
            ).update(status=JobStatus.QUEUED, worker=""):
                logger.warning(
                    "%s %s: its worker %s has been silent since %s; queued again",
                    model._meta.verbose_name,
                    pk,
                    worker or "?",
                    heartbeat_at,
                )
                import_string(kind.requeue)(pk)
                recovered.setdefault(kind.model, []).append(pk)
    return recovered
