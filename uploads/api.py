"""JSON API of operations: start a storage sync and read its status (appadmin)."""

import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from pichosting.access import Capability, require_capability
from uploads.models import SyncRun
from uploads.sync import SyncOptions, sync_run_enqueue

router = Router(tags=["sync"])


class SyncIn(Schema):
    dry_run: bool = Field(False, description="Report what would change; change nothing.")
    album: str = Field("", max_length=200, description="Only this album (name or slug); empty = all.")
    delete_missing: bool = Field(False, description="Remove the rows of photos whose file is gone.")
    thumbnails: bool = Field(False, description="Generate missing thumbnails and delete orphan ones.")
    checksum: bool = Field(False, description="Hash every original, not only those whose size changed.")


class SyncQueuedOut(Schema):
    run: int
    status: str
    status_url: str


class SyncRunOut(Schema):
    id: int
    status: str
    trigger: str
    user: str | None
    options: dict
    counts: dict
    problems: list[dict]
    in_sync: bool | None
    error: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_user(run: SyncRun) -> str | None:
        return run.user.get_username() if run.user else None


class SyncStatusOut(Schema):
    in_sync: bool | None = Field(
        description="Did storage and database agree when the last finished run ended? (null: never run)"
    )
    last_finished: SyncRunOut | None
    run: SyncRunOut | None = Field(description="The run asked for with ?run=, else the latest one.")


class StatusQuery(Schema):
    run: int | None = Field(None, description="A run id, as in the status_url POST /api/sync returned.")


@router.post("/sync", response={202: SyncQueuedOut}, summary="Queue a storage sync", url_name="sync_start")
@require_capability(Capability.ADMINISTER)
def sync_start(request: HttpRequest, payload: SyncIn) -> Status:
    run = sync_run_enqueue(options=SyncOptions(**payload.dict()), user=request.user)
    status_url = f"{reverse('api:sync_status')}?run={run.pk}"
    return Status(202, {"run": run.pk, "status": run.status, "status_url": status_url})


@router.get("/sync/status", response=SyncStatusOut, summary="Last sync and agreement", url_name="sync_status")
@require_capability(Capability.ADMINISTER)
def sync_status(request: HttpRequest, query: Query[StatusQuery]) -> dict:
    runs = SyncRun.objects.select_related("user")
    run = get_object_or_404(runs, pk=query.run) if query.run is not None else runs.first()
    last_finished = runs.filter(status=SyncRun.Status.DONE).first()
    return {
        "in_sync": last_finished.in_sync if last_finished else None,
        "last_finished": last_finished,
        "run": run,
    }
