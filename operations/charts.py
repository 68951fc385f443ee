"""Small server-rendered SVG charts for the statistics page: no JavaScript, no CDN."""

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 10, 24


def _frame(title: str, inner: list[str], *, top_label: str, labels: Sequence[str]) -> SafeString:
    """The axes around `inner`: the peak's label at the top, the first and last labels below."""
    first_label, last_label = (labels[0], labels[-1]) if labels else ("", "")
    plot_bottom = HEIGHT - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'class="ph-chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{WIDTH - RIGHT}" y2="{plot_bottom}" stroke="#888"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}" stroke="#888"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end" font-size="11">{escape(top_label)}</text>',
        f'<text x="{LEFT - 4}" y="{plot_bottom}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="11">{escape(first_label)}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" font-size="11">'
        f"{escape(last_label)}</text>",
        *inner,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], *, value_label: Callable[[float], str] = str
) -> SafeString:
    """A bar per value; each bar carries a tooltip `label: value`."""
    peak = max(values, default=0) or 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_height * value / peak
        bars.append(
            f'<rect x="{LEFT + index * step + step * 0.1:.1f}" y="{TOP + plot_height - height:.1f}" '
            f'width="{step * 0.8:.1f}" height="{height:.1f}" fill="#417690">'
            f"<title>{escape(label)}: {escape(value_label(value))}</title></rect>"
        )
    return _frame(title, bars, top_label=value_label(peak), labels=labels)


def line_chart(
    title: str, labels: Sequence[str], values: Sequence[float], *, value_label: Callable[[float], str] = str
) -> SafeString:
    """A line through the values, with a dot (and tooltip) per point."""
    peak = max(values, default=0) or 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(values) - 1, 1)
    points = [
        (LEFT + index * step, TOP + plot_height - plot_height * value / peak)
        for index, value in enumerate(values)
    ]
    inner = [
        '<polyline fill="none" stroke="#417690" stroke-width="2" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        + '"/>'
    ]
    inner += [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#417690">'
        f"<title>{escape(label)}: {escape(value_label(value))}</title></circle>"
        for (x, y), label, value in zip(points, labels, values, strict=True)
    ]
    return _frame(title, inner, top_label=value_label(peak), labels=labels)
