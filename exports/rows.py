"""From photos in scope to sheet rows: layouts, links, preset limits and the notes that explain them.

`sheet_build` returns the columns and a lazy iterator of rows; nothing is held in memory beyond one article's
photos, so the writers in `exports.sheets` can stream any number of rows.
"""

import itertools
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from exports.links import public_article_url, public_name_suffix
from exports.presets import NOTE_HEADER, PER_IMAGE_HEADERS, Language, Layout, Preset
from exports.selectors import FALLBACK_SIZE, ArticlePhotos, ScopeFacts, scope_article_photos, scope_facts
from exports.spec import ExportSpec, LinkKind
from gallery.models import Album, name_key
from gallery.specs import FORMAT_EXTENSIONS, THUMBNAIL_EXTENSIONS, fit_within

TEXT, LINK, NUMBER, DATETIME = "text", "link", "number", "datetime"

NOTES: dict[Language, dict[str, str]] = {
    Language.RU: {
        "photo": "фото {n}: {note}",
        "small": "{width}×{height} px меньше минимума {market} {min_width}×{min_height}",
        "fallback": "{market} не принимает {fmt}: ссылка на JPEG {size} px",
        "missing": "нет копии {size} px {fmt}: ссылки нет",
        "transparency": "{fmt} может быть с прозрачным фоном, {market} его не принимает",
        "over_limit": "ещё {count} фото не вошли (не больше {limit})",
        "beyond_limit": "сверх лимита {market}: не больше {limit} фото",
        "links_off": "публичные ссылки альбома выключены: ссылки ответят 404",
        "unknown": "артикул не найден",
        "empty": "нет фото",
    },
    Language.EN: {
        "photo": "photo {n}: {note}",
        "small": "{width}×{height} px is below the {market} minimum {min_width}×{min_height}",
        "fallback": "{market} does not accept {fmt}: linked the {size} px JPEG",
        "missing": "no {size} px {fmt} copy: no link",
        "transparency": "{fmt} may have a transparent background, which {market} refuses",
        "over_limit": "{count} more photos left out ({limit} at most)",
        "beyond_limit": "beyond the {market} limit of {limit} photos",
        "links_off": "public links of this album are off: links answer 404",
        "unknown": "SKU not found",
        "empty": "no photos",
    },
}
NOTE_SEPARATOR = "; "
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Column:
    title: str
    kind: str  # TEXT, LINK, NUMBER or DATETIME
    width: int  # in characters, for XLSX


@dataclass
class Sheet:
    """A sheet ready to be written: its columns, its rows (lazy), and what is known about it up front."""

    title: str
    columns: list[Column]
    rows: Generator[list, None, None]
    row_count: int
    unknown_skus: tuple[str, ...]


@dataclass(frozen=True)
class _Target:
    """How the photos stored in one format are linked: which file, and the notes every such photo gets."""

    suffix: str  # the linked file's name after the sha256 prefix or position (`public_name_suffix`)
    size: int | None  # the rendition linked; None: the original
    exists_field: str  # the photo flag that says the linked rendition exists; "" for the original
    notes: tuple[str, ...]  # notes of every photo linked so (fallback, transparency)
    missing: tuple[str, ...]  # the notes instead, with no link, when the rendition does not exist


class _Linker:
    """Links photos the way the spec and its preset say, with the notes that explain each link.

    What depends only on the stored format is worked out once per format (`_Target`), what depends only on
    the article once per article, so linking a photo is a lookup and a string join.
    """

    def __init__(self, spec: ExportSpec):
        self.spec = spec
        self.preset: Preset = spec.preset
        self.texts = NOTES[spec.language]
        self.albums = {album.pk: album for album in spec.albums}
        self.by_position = spec.links == LinkKind.POSITION
        self.checks_size = self.preset.has_min_size
        # read once, not per photo: the lazy settings object is slow
        self.base_url = spec.base_url or settings.PUBLIC_BASE_URL
        self.targets: dict[str, _Target] = {}

    def note(self, key: str, **values) -> str:
        return self.texts[key].format(market=self.preset.title, **values)

    def _target(self, fmt: str) -> _Target:
        spec, preset = self.spec, self.preset
        extension = FORMAT_EXTENSIONS.get(fmt) or fmt.lower()
        notes: list[str] = []
        size, exists_field, missing = None, "", ()
        if spec.size is not None:
            size, extension = spec.size, THUMBNAIL_EXTENSIONS[spec.thumbnail_format]
            exists_field = "has_rendition"
            missing = (self.note("missing", size=size, fmt=extension.upper()),)
        elif extension not in preset.extensions:
            notes.append(self.note("fallback", fmt=fmt, size=FALLBACK_SIZE))
            size, extension = FALLBACK_SIZE, "jpg"
            exists_field = "has_fallback"
            missing = (*notes, self.note("missing", size=size, fmt="JPG"))
        if not preset.transparency_allowed and extension in ("png", "gif"):
            notes.append(self.note("transparency", fmt=extension.upper()))
        suffix = public_name_suffix(size=size, extension=extension)
        return _Target(suffix, size, exists_field, tuple(notes), missing)

    def _small(self, photo: Any, size: int | None) -> tuple[str, ...]:
        width, height = photo.width, photo.height
        if size is not None:
            width, height = fit_within(width, height, size)
        preset = self.preset
        if width >= preset.min_width and height >= preset.min_height:
            return ()
        note = self.note(
            "small", width=width, height=height, min_width=preset.min_width, min_height=preset.min_height
        )
        return (note,)

    def links(self, article: ArticlePhotos) -> Iterator[tuple[int, Any, str, tuple[str, ...]]]:
        """Each photo of `article` as `(ordinal, photo, url, notes)`; url is empty when there is no link."""
        start = public_article_url(
            token=article.album.link_token, article_slug=article.slug, base_url=self.base_url
        )
        targets, by_position, checks_size = self.targets, self.by_position, self.checks_size
        for ordinal, photo in article.photos:
            target = targets.get(photo.format)
            if target is None:
                target = targets[photo.format] = self._target(photo.format)
            if target.exists_field and not getattr(photo, target.exists_field):
                yield ordinal, photo, "", target.missing
                continue
            notes = target.notes + self._small(photo, target.size) if checks_size else target.notes
            key = str(ordinal) if by_position else photo.sha_prefix
            yield ordinal, photo, start + key + target.suffix, notes

    def album_notes(self, album: Album) -> list[str]:
        return [] if album.public_links_enabled else [self.note("links_off")]


def _link_columns(spec: ExportSpec, facts: ScopeFacts) -> list[Column]:
    preset, language = spec.preset, spec.language
    if spec.layout == Layout.IN_CELL:
        headers = preset.headers[language]
        main = [Column(headers.main, LINK, 70)] if preset.main_column else []
        return [*main, Column(headers.cell, LINK, 100)]
    count = preset.max_links if preset.fixed_columns else max(facts.most_photos, 1)
    if preset.max_links:
        count = min(count, preset.max_links)
    return [Column(preset.link_header(n, language), LINK, 70) for n in range(1, count + 1)]


def _columns(spec: ExportSpec, facts: ScopeFacts) -> list[Column]:
    note = Column(NOTE_HEADER[spec.language], TEXT, 50)
    if spec.layout == Layout.PER_IMAGE:
        kinds = (TEXT, TEXT, NUMBER, TEXT, NUMBER, NUMBER, NUMBER, TEXT, DATETIME, LINK)
        widths = (24, 22, 9, 30, 9, 9, 11, 66, 19, 90)
        titles = PER_IMAGE_HEADERS[spec.language]
        return [*(Column(*c) for c in zip(titles, kinds, widths, strict=True)), note]
    return [Column(spec.preset.headers[spec.language].sku, TEXT, 22), *_link_columns(spec, facts), note]


def _per_image_rows(spec: ExportSpec, linker: _Linker) -> Iterator[tuple[str, list]]:
    limit = spec.preset.max_links
    zone = timezone.get_current_timezone()
    for article in scope_article_photos(spec):
        album_notes = linker.album_notes(article.album)
        for ordinal, photo, url, photo_notes in linker.links(article):
            notes = [*album_notes, *photo_notes]
            if limit and ordinal > limit:
                notes.append(linker.note("beyond_limit", limit=limit))
            yield (
                article.sku,
                [
                    article.album.name,
                    article.sku,
                    ordinal,
                    photo.original_name,
                    photo.width,
                    photo.height,
                    photo.bytes,
                    photo.sha256,
                    photo.uploaded_at.astimezone(zone).replace(tzinfo=None),
                    url,
                    NOTE_SEPARATOR.join(notes),
                ],
            )


def _grouped_rows(spec: ExportSpec, linker: _Linker, link_columns: int) -> Iterator[tuple[str, list]]:
    preset, photo_note = spec.preset, NOTES[spec.language]["photo"]
    # in_row: never more links than columns, even for photos added after `scope_facts` sized the sheet
    limit = link_columns if spec.layout == Layout.IN_ROW else preset.max_links
    for article in scope_article_photos(spec):
        urls: list[str] = []
        notes = linker.album_notes(article.album)
        for ordinal, _, url, photo_notes in linker.links(article):
            if url:
                urls.append(url)
            if photo_notes:
                notes.extend(photo_note.format(n=ordinal, note=note) for note in photo_notes)
        if limit and len(urls) > limit:
            notes.append(linker.note("over_limit", count=len(urls) - limit, limit=limit))
            urls = urls[:limit]
        if spec.layout == Layout.IN_CELL and preset.main_column:
            cells = [urls[0] if urls else "", spec.separator.join(urls[1:])]
        elif spec.layout == Layout.IN_CELL:
            cells = [spec.separator.join(urls)]
        else:
            cells = urls + [""] * (link_columns - len(urls))
        yield article.sku, [article.sku, *cells, NOTE_SEPARATOR.join(notes)]


def _placeholder_row(spec: ExportSpec, width: int, *, sku: str, note: str, album: str = "") -> list:
    row = [""] * width
    if spec.layout == Layout.PER_IMAGE:
        row[0], row[1] = album, sku
    else:
        row[0] = sku
    row[-1] = note
    return row


def _in_list_order(
    spec: ExportSpec, facts: ScopeFacts, linker: _Linker, body: Iterator[tuple[str, list]], width: int
) -> Iterator[list]:
    """Rows in the order the SKUs were pasted, one place per SKU, so the link column lines up with the list.

    A pasted SKU gets its rows (one per album holding it), or a "no photos" row, or a "not found" row. Rows
    are gathered before the first is written; the list's length bounds them (`SKU_LIST_MAX`).
    """
    texts = NOTES[spec.language]
    rows_by_key: dict[str, list[list]] = {}
    for sku, row in body:
        rows_by_key.setdefault(name_key(sku), []).append(row)
    empty_by_key: dict[str, list[list]] = {}
    for article_id, album_id, sku in facts.found_articles:
        if article_id not in facts.found_with_photos:
            album = linker.albums[album_id].name
            row = _placeholder_row(spec, width, sku=sku, note=texts["empty"], album=album)
            empty_by_key.setdefault(name_key(sku), []).append(row)
    for sku, key in zip(spec.skus, spec.sku_keys, strict=True):
        yield from rows_by_key.pop(key, ())
        yield from empty_by_key.pop(key, ())
        if key not in facts.found_keys:
            yield _placeholder_row(spec, width, sku=sku, note=texts["unknown"])


def _unknown_skus(spec: ExportSpec, facts: ScopeFacts) -> tuple[str, ...]:
    return tuple(
        sku for sku, key in zip(spec.skus, spec.sku_keys, strict=True) if key not in facts.found_keys
    )


def sheet_title(spec: ExportSpec) -> str:
    return {Language.RU: "Ссылки", Language.EN: "Links"}[spec.language]


def sheet_build(spec: ExportSpec) -> Sheet:
    """The sheet an export spec describes: columns, row count and unknown SKUs now, rows when iterated."""
    facts = scope_facts(spec)
    columns = _columns(spec, facts)
    linker = _Linker(spec)
    if spec.layout == Layout.PER_IMAGE:
        body = _per_image_rows(spec, linker)
        count = facts.images
    else:
        body = _grouped_rows(spec, linker, len(columns) - 2)
        count = facts.articles
    unknown = _unknown_skus(spec, facts)
    empty = sum(1 for article_id, _, _ in facts.found_articles if article_id not in facts.found_with_photos)
    return Sheet(
        title=sheet_title(spec),
        columns=columns,
        rows=_rows(spec, facts, linker, body, len(columns)),
        row_count=count + empty + len(unknown),
        unknown_skus=unknown,
    )


def _rows(
    spec: ExportSpec, facts: ScopeFacts, linker: _Linker, body: Iterator[tuple[str, list]], width: int
) -> Generator[list, None, None]:
    """The sheet's rows: streamed as the query yields them, or in SKU list order when a list was given.

    One generator, so that closing it closes the database cursor behind it.
    """
    if spec.skus:
        yield from _in_list_order(spec, facts, linker, body, width)
    else:
        for _, row in body:
            yield row


def sheet_preview(spec: ExportSpec, *, limit: int = PREVIEW_ROWS) -> tuple[Sheet, list[list]]:
    """The sheet with its first `limit` rows read (and the rest left unread)."""
    sheet = sheet_build(spec)
    rows = list(itertools.islice(sheet.rows, limit))
    sheet.rows.close()
    return sheet, rows
