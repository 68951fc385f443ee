"""What a sheet should contain: the parameters of an export, checked once for the page and the API alike.

`export_spec_clean` turns raw parameters into an `ExportSpec`, or raises `ValidationError` whose dict names
the offending field, so the page can mark it and the API can answer 400 naming it.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import Q

from core.dates import local_midnight
from core.text import text_clean
from exports.presets import PRESETS, SEPARATORS, Language, Layout, Preset
from gallery.models import Album, name_key
from gallery.selectors import FILTER_DATE_MAX, FILTER_DATE_MIN
from gallery.specs import THUMBNAIL_EXTENSIONS, THUMBNAIL_FORMATS, THUMBNAIL_SIZES

SKU_LIST_MAX = 10_000
ALBUMS_MAX = 200
ORIGINAL = "original"
CSV_DELIMITERS: dict[str, str] = {";": ";", ",": ",", "tab": "\t", "|": "|"}


class LinkKind(StrEnum):
    CONTENT = "content"  # the exact file: changes when the photo changes
    POSITION = "position"  # the n-th photo alias: survives a photo swap


@dataclass(frozen=True)
class ExportSpec:
    albums: tuple[Album, ...]
    skus: tuple[str, ...]  # as pasted (trimmed, one per SKU); empty means every article
    uploaded_from: datetime.datetime | None  # inclusive, aware
    uploaded_before: datetime.datetime | None  # exclusive, aware
    preset: Preset
    layout: Layout
    size: int | None  # None links the original
    thumbnail_format: str  # the rendition format linked when `size` is set, or as fallback
    links: LinkKind
    separator: str
    language: Language
    csv_delimiter: str = ";"
    csv_bom: bool = True
    base_url: str = ""  # what links start with (`exports.links.public_base_url`); "" = PUBLIC_BASE_URL
    # the parameters it was cleaned from, as JSON: `export_spec_clean(**spec_params_load(params))` again
    params: dict = dataclasses.field(default_factory=dict, compare=False)

    @property
    def sku_keys(self) -> tuple[str, ...]:
        return tuple(name_key(sku) for sku in self.skus)

    @property
    def dated(self) -> bool:
        """A date range narrows the scope: articles may be only partly in it."""
        return bool(self.uploaded_from or self.uploaded_before)


def _choice(value: str, choices, field: str) -> str:
    if value not in choices:
        raise ValidationError(
            {field: f"must be one of: {', '.join(str(c) for c in choices)} (got “{value}”)"}
        )
    return value


def skus_parse(raw: str | list[str] | None) -> tuple[str, ...]:
    """SKUs pasted one per line (or a list): first tab-separated cell, trimmed; blanks and repeats dropped."""
    if raw is None:
        return ()
    lines = raw.splitlines() if isinstance(raw, str) else [line for item in raw for line in item.splitlines()]
    seen: set[str] = set()
    skus = []
    for line in lines:
        first_cell = line.split("\t", 1)[0]  # rows pasted from Excel: the SKU is the first column
        sku = text_clean(first_cell).strip()
        if sku and name_key(sku) not in seen:
            seen.add(name_key(sku))
            skus.append(sku)
    if len(skus) > SKU_LIST_MAX:
        raise ValidationError({"skus": f"at most {SKU_LIST_MAX} SKUs per export (got {len(skus)})"})
    return tuple(skus)


class AlbumUnknown(ValidationError):
    """An album named in an export does not exist (the API answers 404 `not_found`)."""


def albums_resolve(names: list[str]) -> tuple[Album, ...]:
    """The albums named (exact name, any case, or slug), in the order given; unknown names raise."""
    wanted = [text_clean(name).strip() for name in names if name and text_clean(name).strip()]
    if not wanted:
        raise ValidationError({"albums": "name at least one album"})
    if len(wanted) > ALBUMS_MAX:
        raise ValidationError({"albums": f"at most {ALBUMS_MAX} albums per export"})
    keys = {name_key(name) for name in wanted}
    found = list(Album.objects.filter(Q(name_key__in=keys) | Q(slug__in=wanted)))
    by_name = {album.slug: album for album in found} | {album.name_key: album for album in found}
    missing = [name for name in wanted if name_key(name) not in by_name and name not in by_name]
    if missing:
        raise AlbumUnknown({"albums": f"unknown album: {', '.join(missing)}"})
    albums: dict[int, Album] = {}
    for name in wanted:
        album = by_name.get(name_key(name)) or by_name[name]
        albums.setdefault(album.pk, album)
    return tuple(albums.values())


def export_spec_clean(
    *,
    albums: list[str],
    skus: str | list[str] | None = None,
    uploaded_from: datetime.date | None = None,
    uploaded_to: datetime.date | None = None,
    preset: str = "in_row",
    layout: str | None = None,
    size: str | int = ORIGINAL,
    thumbnail_format: str = "jpeg",
    links: str = LinkKind.CONTENT,
    separator: str | None = None,
    language: str = Language.RU,
    delimiter: str = ";",
    bom: bool = True,
    base_url: str = "",
) -> ExportSpec:
    """Check raw export parameters; raises ValidationError({field: reason}) for the first bad one."""
    chosen = PRESETS[_choice(preset, list(PRESETS), "preset")]
    chosen_layout = Layout(_choice(layout, list(Layout), "layout")) if layout else chosen.layout
    if chosen.marketplace and chosen_layout not in (chosen.layout, Layout.PER_IMAGE):
        raise ValidationError(
            {"layout": f"the {chosen.title} preset writes {chosen.layout}; choose it or per_image"}
        )
    if not chosen.marketplace and chosen_layout != Layout.PER_IMAGE:
        chosen = PRESETS[chosen_layout.value]
    cell_separator = chosen.separator
    if separator:
        _choice(separator, list(SEPARATORS), "separator")
        if chosen.marketplace and SEPARATORS[separator] != chosen.separator:
            raise ValidationError(
                {"separator": f"the {chosen.title} preset always separates links its own way"}
            )
        cell_separator = SEPARATORS[separator]
    size_text = str(size)
    allowed_sizes = [ORIGINAL, *(str(s) for s in THUMBNAIL_SIZES)]
    _choice(size_text, allowed_sizes, "size")
    _choice(thumbnail_format, THUMBNAIL_FORMATS, "thumbnail_format")
    if THUMBNAIL_EXTENSIONS[thumbnail_format] not in chosen.extensions:
        thumbnail_format = "jpeg"  # the marketplace refuses this format: link the JPEG rendition
    for field, day in (("uploaded_from", uploaded_from), ("uploaded_to", uploaded_to)):
        if day and not FILTER_DATE_MIN <= day <= FILTER_DATE_MAX:
            raise ValidationError({field: f"must be between {FILTER_DATE_MIN} and {FILTER_DATE_MAX}"})
    if uploaded_from and uploaded_to and uploaded_from > uploaded_to:
        raise ValidationError({"uploaded_to": "must not be before uploaded_from"})
    return ExportSpec(
        albums=albums_resolve(albums),
        skus=skus_parse(skus),
        uploaded_from=local_midnight(uploaded_from) if uploaded_from else None,
        uploaded_before=local_midnight(uploaded_to + datetime.timedelta(days=1)) if uploaded_to else None,
        preset=chosen,
        layout=chosen_layout,
        size=None if size_text == ORIGINAL else int(size_text),
        thumbnail_format=thumbnail_format,
        links=LinkKind(_choice(links, list(LinkKind), "links")),
        separator=cell_separator,
        language=Language(_choice(language, list(Language), "language")),
        csv_delimiter=CSV_DELIMITERS[_choice(delimiter, list(CSV_DELIMITERS), "delimiter")],
        csv_bom=bom,
        base_url=base_url,
        params={
            "albums": list(albums),
            "skus": skus if isinstance(skus, str) or skus is None else list(skus),
            "uploaded_from": uploaded_from.isoformat() if uploaded_from else None,
            "uploaded_to": uploaded_to.isoformat() if uploaded_to else None,
            "preset": preset,
            "layout": layout,
            "size": size_text,
            "thumbnail_format": thumbnail_format,
            "links": str(links),
            "separator": separator,
            "language": str(language),
            "delimiter": delimiter,
            "bom": bom,
            "base_url": base_url,
        },
    )


def spec_params_load(params: dict) -> dict:
    """`ExportSpec.params` as `export_spec_clean` takes them (days back from ISO text)."""
    days = {
        name: datetime.date.fromisoformat(params[name]) if params.get(name) else None
        for name in ("uploaded_from", "uploaded_to")
    }
    return params | days
