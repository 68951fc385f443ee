"""Marketplace presets and sheet layouts: the one place that says what each marketplace accepts.

A preset fixes the shape of the link columns, the most links an article may carry, the file formats the
marketplace accepts (links fall back to the JPEG rendition for the others) and the minimum picture size below
which a photo gets a note. The figures follow each marketplace's published photo requirements; change them
here and nowhere else.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gallery.specs import PICTURE_EXTENSIONS


class Layout(StrEnum):
    IN_ROW = "in_row"  # SKU, Link 1 … Link N
    IN_CELL = "in_cell"  # SKU, every link in one cell
    PER_IMAGE = "per_image"  # one row per photo with its facts


class Language(StrEnum):
    RU = "ru"
    EN = "en"


SEPARATORS: dict[str, str] = {"semicolon": ";", "comma": ",", "newline": "\n", "space": " "}


@dataclass(frozen=True)
class Headers:
    """Column titles of one language; `link` and `extra` are templates taking the 1-based link number."""

    sku: str
    link: str  # in_row: link column n
    cell: str  # in_cell: the column holding every link
    main: str = ""  # a separate column for the main photo (Ozon)
    extra: str = ""  # in_row with a main column: additional photo n (Megamarket)


@dataclass(frozen=True)
class Preset:
    key: str
    title: str | Promise
    layout: Layout
    headers: dict[Language, Headers]
    separator: str = ";"
    max_links: int | None = None
    fixed_columns: bool = False  # in_row: always write max_links columns, as the marketplace template has
    main_column: bool = False  # the main photo gets its own column before the others
    extensions: frozenset[str] = PICTURE_EXTENSIONS  # file extensions the marketplace accepts
    min_width: int = 0
    min_height: int = 0
    transparency_allowed: bool = True
    notes: tuple[str | Promise, ...] = field(default=())  # shown on the export page under the preset

    @property
    def marketplace(self) -> bool:
        return self.key not in GENERIC_PRESETS

    @property
    def has_min_size(self) -> bool:
        return bool(self.min_width or self.min_height)

    def link_header(self, number: int, language: Language) -> str:
        """Title of link column `number` (1-based) in an in_row sheet."""
        headers = self.headers[language]
        if self.main_column and number == 1:
            return headers.main
        if self.main_column:
            return headers.extra.format(n=number - 1)
        return headers.link.format(n=number)


GENERIC_HEADERS = {
    Language.RU: Headers(sku="Артикул", link="Ссылка {n}", cell="Ссылки"),
    Language.EN: Headers(sku="SKU", link="Link {n}", cell="Links"),
}

IN_ROW = Preset(key="in_row", title=_("Links in a row"), layout=Layout.IN_ROW, headers=GENERIC_HEADERS)
IN_CELL = Preset(key="in_cell", title=_("Links in one cell"), layout=Layout.IN_CELL, headers=GENERIC_HEADERS)
GENERIC_PRESETS = ("in_row", "in_cell")

WILDBERRIES = Preset(
    key="wildberries",
    title="Wildberries",
    layout=Layout.IN_CELL,
    separator=";",
    max_links=30,
    extensions=frozenset({"jpg", "png", "webp"}),
    min_width=900,
    min_height=1200,
    headers={
        Language.RU: Headers(sku="Артикул продавца", link="Фото {n}", cell="Фото"),
        Language.EN: Headers(sku="Seller SKU", link="Photo {n}", cell="Photos"),
    },
    notes=(
        _("One cell, links separated by “;”, main photo first, 30 at most."),
        _("Minimum 900×1200 px."),
    ),
)

OZON = Preset(
    key="ozon",
    title="Ozon",
    layout=Layout.IN_CELL,
    separator="\n",
    max_links=30,
    main_column=True,
    extensions=frozenset({"jpg", "png", "webp", "heic"}),
    min_width=200,
    min_height=200,
    headers={
        Language.RU: Headers(
            sku="Артикул",
            link="Ссылка {n}",
            cell="Ссылки на дополнительные фото",
            main="Ссылка на главное фото",
        ),
        Language.EN: Headers(
            sku="SKU", link="Link {n}", cell="Additional photo links", main="Main photo link"
        ),
    },
    notes=(
        _("Main photo link, then up to 29 additional links, one per line."),
        _("Minimum 200×200 px."),
    ),
)

YANDEX_MARKET = Preset(
    key="yandex_market",
    title="Yandex Market",
    layout=Layout.IN_CELL,
    separator=",",
    max_links=10,
    extensions=frozenset({"jpg", "png", "gif"}),
    min_width=600,
    min_height=600,
    transparency_allowed=False,
    headers={
        Language.RU: Headers(sku="Ваш SKU", link="Ссылка на изображение {n}", cell="Изображение"),
        Language.EN: Headers(sku="Your SKU", link="Image link {n}", cell="Image"),
    },
    notes=(
        _("One cell, links separated by “,”, 10 at most."),
        _("JPEG, PNG or GIF only: WebP photos are linked as JPEG."),
        _("No transparent backgrounds; 600 px or more recommended."),
    ),
)

MEGAMARKET = Preset(
    key="megamarket",
    title="Megamarket",
    layout=Layout.IN_ROW,
    max_links=10,
    fixed_columns=True,
    main_column=True,
    extensions=frozenset({"jpg", "png"}),
    min_width=700,
    min_height=700,
    headers={
        Language.RU: Headers(
            sku="Артикул",
            link="Ссылка {n}",
            cell="Ссылки",
            main="Ссылка на основное фото",
            extra="Ссылка на доп. фото №{n}",
        ),
        Language.EN: Headers(
            sku="SKU",
            link="Link {n}",
            cell="Links",
            main="Main photo link",
            extra="Additional photo link #{n}",
        ),
    },
    notes=(
        _("Main photo column, then additional photos №1…9 as columns."),
        _("JPEG or PNG; minimum 700×700 px."),
    ),
)

PRESETS: dict[str, Preset] = {
    preset.key: preset for preset in (IN_ROW, IN_CELL, WILDBERRIES, OZON, YANDEX_MARKET, MEGAMARKET)
}

PER_IMAGE_HEADERS: dict[Language, tuple[str, ...]] = {
    Language.RU: (
        "Альбом",
        "Артикул",
        "Позиция",
        "Имя файла",
        "Ширина",
        "Высота",
        "Байт",
        "SHA-256",
        "Загружено",
        "Ссылка",
    ),
    Language.EN: (
        "Album",
        "SKU",
        "Position",
        "File name",
        "Width",
        "Height",
        "Bytes",
        "SHA-256",
        "Uploaded at",
        "Link",
    ),
}
NOTE_HEADER: dict[Language, str] = {Language.RU: "Примечание", Language.EN: "Note"}
