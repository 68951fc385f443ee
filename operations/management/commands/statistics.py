"""`manage.py statistics [--json] [--fresh]`: the statistics page for operators."""

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from operations.statistics import json_ready, statistics_collect

UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def _size(value: int | None) -> str:
    """Bytes for people, in English whatever the site language: `77.4 GB`."""
    if value is None:
        return "—"
    size, unit = float(value), 0
    while size >= 1024 and unit < len(UNITS) - 1:
        size, unit = size / 1024, unit + 1
    return f"{value} B" if unit == 0 else f"{size:.1f} {UNITS[unit]}"


class Command(BaseCommand):
    help = "Print catalogue, storage, database, system and task-queue figures (as text or JSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON document")
        parser.add_argument("--fresh", action="store_true", help="recompute cached figures now")

    def handle(self, *args, as_json: bool = False, fresh: bool = False, **options) -> None:
        report = statistics_collect(fresh=fresh)
        if as_json:
            self.stdout.write(json.dumps(json_ready(report), ensure_ascii=False, indent=2))
            return
        catalogue, media, database = report["catalogue"], report["media"], report["database"]
        tasks, system = report["tasks"], report["system"]
        lines = [
            f"Computed at        {timezone.localtime(report['computed_at']):%Y-%m-%d %H:%M:%S %Z}",
            f"Albums             {catalogue['albums']}",
            f"Articles           {catalogue['articles']}",
            f"Photos             {catalogue['images']}",
            f"Originals          {_size(catalogue['original_bytes'])}",
            f"Thumbnails         {catalogue['thumbnails']} ({_size(catalogue['thumbnail_bytes'])})",
            f"In the trash       {catalogue['trash_images']} photos ({_size(catalogue['trash_bytes'])})",
            f"Free media space   {_size(media['free_bytes'])} of {_size(media['total_bytes'])}",
            f"Database           {database['engine']} {database['version']}, {_size(database['bytes'])}",
            f"Task queue         {tasks['waiting']} waiting, {tasks['running']} running, "
            f"{tasks['failed']} failed; last finished {tasks['last_finished_at'] or '—'}",
            f"System             Python {system['python']}, Django {system['django']}, "
            f"Pillow {system['pillow']} (libjpeg {system['libjpeg']}, "
            f"WebP {system['webp_version'] or 'missing'}), "
            f"host {system['hostname']}",
            f"Uploads, 90 days   {sum(day['images'] for day in report['days'])} photos",
            "",
            f"{'Album':40} {'Photos':>8} {'Originals':>12} {'Thumbnails':>12}",
        ]
        lines += [
            f"{album['name'][:40]:40} {album['images']:>8} {_size(album['original_bytes']):>12} "
            f"{_size(album['thumbnail_bytes']):>12}"
            for album in report["albums"]
        ]
        lines += ["", f"{'Table':40} {'Size':>12}"]
        lines += [
            f"{table['name'][:40]:40} {_size(table['bytes']):>12}" for table in database["largest_tables"]
        ]
        self.stdout.write("\n".join(lines))
