"""Everything the statistics page and `manage.py statistics` show, gathered in one report.

Figures that cost a scan (catalogue totals, per-album sizes, daily uploads, database size) are cached for
`STATISTICS_CACHE_SECONDS` and carry the time they were computed; the task queue, free space and system facts
are read live on every call.
"""

import datetime
import platform
import socket
import sqlite3
import time
from pathlib import Path

import django
import PIL
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Count, Max
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from PIL import features

from gallery import catalogue_figures, files

CACHE_KEY = "operations:statistics:expensive"
TOP_ALBUMS = 20
TOP_TABLES = 10
DAYS = 90
PROCESS_STARTED = time.time()


def _database_facts() -> dict:
    """Engine, version, size in bytes and the largest tables (by bytes where the engine tells, else rows)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
            cursor.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid), GREATEST(c.reltuples, 0)::bigint "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = current_schema() "
                "ORDER BY 2 DESC LIMIT %s",
                [TOP_TABLES],
            )
            tables = [{"name": name, "bytes": size_, "rows": rows} for name, size_, rows in cursor.fetchall()]
        elif connection.vendor == "sqlite":
            version = sqlite3.sqlite_version
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            size = pages * cursor.fetchone()[0]  # the size of the database file
            try:
                cursor.execute(
                    "SELECT name, SUM(pgsize) FROM dbstat WHERE name NOT LIKE 'sqlite_%%' "
                    "GROUP BY name ORDER BY 2 DESC"
                )
                sizes = dict(cursor.fetchall())
            except DatabaseError:  # SQLite built without the dbstat table
                sizes = {}
            tables = [
                {"name": name, "bytes": sizes.get(name)}
                for name in connection.introspection.table_names(cursor)
                if name in sizes or not sizes
            ]
            tables.sort(key=lambda table: table["bytes"] or 0, reverse=True)
            tables = tables[:TOP_TABLES]
        else:
            version, size, tables = "", None, []
    return {"engine": connection.vendor, "version": version, "bytes": size, "largest_tables": tables}


def _expensive() -> dict:
    days = catalogue_figures.uploads_per_day(days=DAYS)
    return {
        "computed_at": timezone.now(),
        "catalogue": catalogue_figures.catalogue_totals(),
        "albums": catalogue_figures.album_sizes(limit=TOP_ALBUMS),
        "days": days,
        "database": _database_facts(),
    }


def _uptime_seconds() -> float | None:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _system_facts() -> dict:
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "pillow": PIL.__version__,
        "libjpeg": features.version("jpg"),
        "webp": features.check("webp"),
        "webp_version": features.version("webp"),
        "hostname": socket.gethostname(),
        "uptime_seconds": _uptime_seconds(),
        "process_uptime_seconds": round(time.time() - PROCESS_STARTED),
    }


def _task_queue() -> dict:
    counts = dict(DBTaskResult.objects.values_list("status").annotate(count=Count("id")).order_by())
    last = DBTaskResult.objects.filter(finished_at__isnull=False).aggregate(last=Max("finished_at"))["last"]
    return {
        "waiting": counts.get(TaskResultStatus.READY, 0),
        "running": counts.get(TaskResultStatus.RUNNING, 0),
        "failed": counts.get(TaskResultStatus.FAILED, 0),
        "succeeded": counts.get(TaskResultStatus.SUCCESSFUL, 0),
        "last_finished_at": last,
        "backend": settings.TASKS["default"]["BACKEND"],
    }


def statistics_collect(*, fresh: bool = False) -> dict:
    """The whole report; `fresh` recomputes the cached figures instead of reusing them."""
    expensive = None if fresh else cache.get(CACHE_KEY)
    if expensive is None:
        expensive = _expensive()
        cache.set(CACHE_KEY, expensive, settings.STATISTICS_CACHE_SECONDS)
    return {
        **expensive,
        "media": files.volume_usage(),
        "system": _system_facts(),
        "tasks": _task_queue(),
        "generated_at": timezone.now(),
    }


def json_ready(value):
    """The report with dates as ISO strings, ready for `json.dumps`."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_ready(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value
