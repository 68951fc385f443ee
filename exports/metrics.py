"""Export and public-link counters of the web processes (summed over processes in multiprocess mode)."""

from prometheus_client import Counter, Histogram

from exports.sheets import ExportFormat

PUBLIC_LINK_OUTCOMES = ("file", "redirect", "not_found")

EXPORT_ROWS = Counter("pichosting_export_rows", "Rows written to exported sheets, by format.", ["format"])
EXPORT_DURATION = Histogram(
    "pichosting_export_duration_seconds",
    "Exports by format: time from the request to the last byte sent.",
    ["format"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300),
)
PUBLIC_LINK_REQUESTS = Counter(
    "pichosting_public_link_requests",
    "Public photo link requests the app answered, by outcome.",
    ["outcome"],
)

for _format in ExportFormat:  # every series exists from the start, at 0, so rates and alerts see no gaps
    EXPORT_ROWS.labels(_format)
    EXPORT_DURATION.labels(_format)
for _outcome in PUBLIC_LINK_OUTCOMES:
    PUBLIC_LINK_REQUESTS.labels(_outcome)
