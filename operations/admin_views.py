"""Pages of the admin site that belong to no model: statistics."""

import datetime

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from operations.charts import bar_chart, line_chart
from operations.statistics import statistics_collect


def statistics(request: HttpRequest) -> HttpResponse:
    """The statistics page (the admin site checks the administer capability before this runs)."""
    report = statistics_collect(fresh=request.GET.get("fresh") == "1")
    labels = [date_format(day["day"], "SHORT_DATE_FORMAT") for day in report["days"]]
    now, system = timezone.now(), report["system"]
    uptime = system["uptime_seconds"]
    context = {
        **admin.site.each_context(request),
        "title": _("Statistics"),
        "report": report,
        "booted_at": now - datetime.timedelta(seconds=uptime) if uptime is not None else None,
        "process_started_at": now - datetime.timedelta(seconds=system["process_uptime_seconds"]),
        "uploads_chart": bar_chart(
            _("Photos uploaded per day"),
            labels,
            [day["images"] for day in report["days"]],
            value_label=lambda value: f"{value:g}",
        ),
        "growth_chart": line_chart(
            _("Storage used (originals and thumbnails)"),
            labels,
            [day["total_bytes"] for day in report["days"]],
            value_label=filesizeformat,
        ),
    }
    return TemplateResponse(request, "admin/statistics.html", context)
