"""Pages of the admin site that belong to no model: statistics."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from uploads.charts import bar_chart, line_chart
from uploads.statistics import statistics_collect


def statistics(request: HttpRequest) -> HttpResponse:
    """The statistics page (the admin site checks the administer capability before this runs)."""
    report = statistics_collect(fresh=request.GET.get("fresh") == "1")
    labels = [date_format(day["day"], "SHORT_DATE_FORMAT") for day in report["days"]]
    context = {
        **admin.site.each_context(request),
        "title": _("Statistics"),
        "report": report,
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
