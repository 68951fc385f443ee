"""Link sheets read back cell by cell: layouts, presets, text SKUs, order, limits, notes and file names."""

import csv
import datetime
import io
from urllib.parse import unquote

import pytest
from django.utils import timezone

from accounts.models import ActionLog
from exports.links import public_link
from exports.presets import PER_IMAGE_HEADERS, PRESETS, WILDBERRIES, Language
from exports.rows import sheet_build
from exports.services import export_create
from exports.sheets import ExportFormat, attachment_disposition, export_file_name
from exports.spec import export_spec_clean
from exports.tests.conftest import xlsx_rows, xlsx_sheet
from gallery.models import Article, Image, Thumbnail
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


def export(fmt: str = "xlsx", **params) -> tuple[bytes, object]:
    params.setdefault("albums", ["Весна 2026"])
    result = export_create(spec=export_spec_clean(**params), fmt=ExportFormat(fmt))
    content = result.content.read() if hasattr(result.content, "read") else b"".join(result.content)
    return content, result


def csv_rows(content: bytes, delimiter: str = ";") -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def link(image: Image, *, size: int | None = None, extension: str | None = None) -> str:
    return public_link(
        token=image.album.link_token,
        article_slug=image.article.slug,
        sha256=image.sha256,
        size=size,
        extension=extension or image.file.name.rsplit(".", 1)[1],
    )


def test_in_row_xlsx_has_sku_then_links_in_photo_order(catalogue):
    content, result = export()
    zero, blue = catalogue["photos"]["00123"], catalogue["photos"]["АРТ-001 (синий)"]
    rows = xlsx_rows(content)
    assert rows[0] == ("Артикул", "Ссылка 1", "Ссылка 2", "Ссылка 3", "Примечание")
    assert rows[1] == ("00123", link(zero[0]), link(zero[1]), link(zero[2]), None)
    assert rows[2] == ("АРТ-001 (синий)", link(blue[0]), link(blue[1]), None, None)
    assert len(rows) == 3 == result.row_count + 1


def test_xlsx_skus_are_text_and_header_is_bold_frozen_and_filtered(catalogue):
    content, _ = export()
    sheet = xlsx_sheet(content)
    assert sheet["A2"].value == "00123" and sheet["A2"].data_type == "s"
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert sheet.column_dimensions["B"].width >= 60


def test_links_are_https_when_the_public_base_url_is(catalogue, settings):
    settings.PUBLIC_BASE_URL = "https://photos.example.com"
    rows = xlsx_rows(export()[0])
    token = catalogue["spring"].link_token
    assert rows[1][1].startswith(f"https://photos.example.com/p/{token}/00123/")
    assert rows[1][3].endswith(".png"), "a link ends in the file's real extension"


def test_in_cell_joins_links_with_the_chosen_separator(catalogue):
    rows = xlsx_rows(export(preset="in_cell", separator="newline")[0])
    zero = catalogue["photos"]["00123"]
    assert rows[0] == ("Артикул", "Ссылки", "Примечание")
    assert rows[1][1] == "\n".join(link(image) for image in zero)


def test_per_image_rows_carry_every_fact_of_the_photo(catalogue):
    rows = xlsx_rows(export(layout="per_image", language="en")[0])
    first = catalogue["photos"]["00123"][0]
    assert rows[0] == (*PER_IMAGE_HEADERS[Language.EN], "Note")
    album, sku, position, name, width, height, size, sha, uploaded, url, _note = rows[1]
    assert (album, sku, position, name) == ("Весна 2026", "00123", 1, "00123.jpg")
    assert (width, height, size, sha, url) == (1000, 1300, first.bytes, first.sha256, link(first))
    assert uploaded.date() == timezone.localdate(first.created_at)  # sheets show local time
    assert [row[2] for row in rows[1:]] == [1, 2, 3, 1, 2]


def test_order_follows_position_then_upload_order(catalogue):
    article = article_make(catalogue["spring"], "Б-2")
    third = image_make(article, color=(1, 2, 3), position=2, with_thumbnails=False)
    main = image_make(article, color=(90, 2, 3), position=0, with_thumbnails=False)
    second = image_make(article, color=(180, 2, 3), position=1, with_thumbnails=False)
    tied = image_make(article, color=(250, 2, 3), position=1, with_thumbnails=False)
    rows = xlsx_rows(export(skus="Б-2")[0])
    assert rows[1][1:5] == (link(main), link(second), link(tied), link(third))


def test_thumbnail_target_links_the_rendition(catalogue):
    rows = xlsx_rows(export(size="640", thumbnail_format="webp")[0])
    assert rows[1][1] == link(catalogue["photos"]["00123"][0], size=640, extension="webp")


def test_wildberries_one_cell_semicolons_limit_and_size_notes(catalogue):
    blue = article_make(catalogue["spring"], "АРТ-001 (синий)")
    for n in range(WILDBERRIES.max_links):
        image_make(blue, width=8, height=8, color=(n * 8, 100, 100), with_thumbnails=False)
    rows = xlsx_rows(export(preset="wildberries")[0])
    assert rows[0] == ("Артикул продавца", "Фото", "Примечание")
    zero_links = rows[1][1].split(";")
    assert zero_links == [link(image) for image in catalogue["photos"]["00123"]]
    assert "фото 2: 64×48 px меньше минимума Wildberries 900×1200" in rows[1][2]
    blue_links = rows[2][1].split(";")
    assert len(blue_links) == 30, "Wildberries takes at most 30 links"
    assert blue_links[0] == link(catalogue["photos"]["АРТ-001 (синий)"][0]), "main photo first"
    assert "ещё 2 фото не вошли (не больше 30)" in rows[2][2]


def test_ozon_main_link_then_additional_links(catalogue):
    rows = xlsx_rows(export(preset="ozon")[0])
    zero = catalogue["photos"]["00123"]
    assert rows[0][:3] == ("Артикул", "Ссылка на главное фото", "Ссылки на дополнительные фото")
    assert rows[1][1] == link(zero[0])
    assert rows[1][2] == "\n".join(link(image) for image in zero[1:])


def test_yandex_market_never_links_webp_and_warns_about_transparency(catalogue):
    rows = xlsx_rows(export(preset="yandex_market")[0])
    zero, blue = catalogue["photos"]["00123"], catalogue["photos"]["АРТ-001 (синий)"]
    assert rows[1][1].split(",") == [link(image) for image in zero]
    assert "фото 3: PNG может быть с прозрачным фоном" in rows[1][2]
    assert rows[2][1].split(",")[0] == link(blue[0], size=1600, extension="jpg")
    assert "фото 1: Yandex Market не принимает WEBP: ссылка на JPEG 1600 px" in rows[2][2]
    assert ".webp" not in "".join(str(cell) for row in rows for cell in row)


def test_yandex_market_thumbnails_are_jpeg_even_when_webp_is_asked(catalogue):
    rows = xlsx_rows(export(preset="yandex_market", size="640", thumbnail_format="webp")[0])
    assert all(url.endswith("-640.jpg") for url in rows[1][1].split(","))


def test_megamarket_fixed_columns(catalogue):
    rows = xlsx_rows(export(preset="megamarket", language="ru")[0])
    assert rows[0][:3] == ("Артикул", "Ссылка на основное фото", "Ссылка на доп. фото №1")
    assert rows[0][10] == "Ссылка на доп. фото №9"
    assert len(rows[0]) == 1 + PRESETS["megamarket"].max_links + 1
    assert rows[2][3] is None  # a 2-photo article leaves the rest empty


def test_per_image_with_a_preset_marks_photos_beyond_its_limit(catalogue):
    article = article_make(catalogue["spring"], "MANY")
    for n in range(11):
        image_make(article, width=800, height=800, color=(n * 20, 0, 200), with_thumbnails=False)
    rows = xlsx_rows(export(preset="yandex_market", layout="per_image", skus="MANY", language="en")[0])
    assert len(rows) == 12
    assert rows[10][10] == "" or rows[10][10] is None
    assert rows[11][10] == "beyond the Yandex Market limit of 10 photos"


def test_sku_list_keeps_found_lists_unknown_and_empty(catalogue):
    article_make(catalogue["spring"], "EMPTY-1")
    content, result = export(skus="00123\n  nope-1 \n\nempty-1\n00123\nНЕТ-2")
    rows = xlsx_rows(content)
    assert [row[0] for row in rows[1:]] == ["00123", "nope-1", "EMPTY-1", "НЕТ-2"], "the list's order"
    assert [row[-1] for row in rows[2:]] == ["артикул не найден", "нет фото", "артикул не найден"]
    assert result.unknown_skus == ("nope-1", "НЕТ-2")
    assert result.row_count == 4


def test_several_albums_and_disabled_album_gets_a_note(catalogue):
    rows = xlsx_rows(export(albums=["Весна 2026", "зима"], language="en")[0])
    assert [row[0] for row in rows[1:]] == ["00123", "АРТ-001 (синий)", "Z-1"]
    assert rows[3][-1] == "public links of this album are off: links answer 404"
    assert rows[1][-1] is None


def test_date_range_keeps_photo_numbers_of_the_whole_article(catalogue):
    zero = catalogue["photos"]["00123"]
    Image.objects.filter(pk=zero[0].pk).update(created_at="2020-01-01T12:00:00Z")
    content, _ = export(layout="per_image", uploaded_from=datetime.date(2021, 1, 1), links="position")
    rows = xlsx_rows(content)
    assert [(row[1], row[2]) for row in rows[1:3]] == [("00123", 2), ("00123", 3)]
    token = catalogue["spring"].link_token
    assert rows[1][9].endswith(f"/p/{token}/00123/2.jpg")


def test_csv_has_bom_semicolons_text_skus_and_cyrillic(catalogue):
    content, result = export("csv")
    rows = csv_rows(content)
    assert rows[0] == ["Артикул", "Ссылка 1", "Ссылка 2", "Ссылка 3", "Примечание"]
    assert rows[1][0] == "00123"
    assert rows[2][:3] == [
        "АРТ-001 (синий)",
        *(link(image) for image in catalogue["photos"]["АРТ-001 (синий)"]),
    ]
    assert len(rows) - 1 == result.row_count


def test_csv_delimiter_and_bom_are_configurable(catalogue):
    content, _ = export("csv", delimiter=",", bom=False)
    assert not content.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(content.decode())))[:2] == ["Артикул", "Ссылка 1"]


def test_formula_like_skus_stay_text(catalogue):
    image_make(article_make(catalogue["spring"], "=1+2"), color=(9, 9, 9))
    sheet = xlsx_sheet(export(skus="=1+2")[0])
    assert sheet["A2"].value == "=1+2" and sheet["A2"].data_type == "s"
    rows = csv_rows(export("csv", skus="=1+2")[0])
    assert rows[1][0] == "'=1+2"


def test_every_export_is_logged_with_scope_and_row_count(catalogue):
    export("csv", skus="00123\nnope")
    entry = ActionLog.objects.get(action="export")
    assert entry.details["rows"] == 2
    assert entry.details["albums"] == ["Весна 2026"]
    assert entry.details["skus"] == ["00123", "nope"]
    assert entry.details["unknown_skus"] == ["nope"]
    assert entry.details["format"] == "csv"


def test_file_name_has_album_sku_and_time_and_is_sent_per_rfc_5987():
    name = export_file_name(albums=["Весна 2026"], skus=("АРТ/001",), extension="xlsx")
    assert name.startswith("links_Весна_2026_АРТ_001_") and name.endswith(".xlsx")
    header = attachment_disposition(name)
    assert header.startswith('attachment; filename="links_Vesna_2026_ART_001_')
    encoded = header.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == name
    assert export_file_name(albums=["A", "B", "C"], skus=("x", "y"), extension="csv").startswith("links_A+2_")


def test_sku_list_pasted_from_excel_rows_uses_the_first_column(catalogue):
    content, result = export(skus="00123\tКуртка синяя\t1990\r\nарт-001 (СИНИЙ)\t\x07Куртка\n")
    assert [row[0] for row in xlsx_rows(content)[1:]] == ["00123", "АРТ-001 (синий)"]
    assert result.unknown_skus == ()


@pytest.mark.parametrize("layout", ["in_row", "in_cell", "per_image"])
def test_empty_scope_gives_a_header_only_sheet(db, layout):
    album_make("Пустой")
    content, result = export(albums=["Пустой"], layout=layout)
    rows = xlsx_rows(content)
    assert len(rows) == 1 and result.row_count == 0
    assert rows[0][0] in ("Артикул", "Альбом")


def test_missing_rendition_leaves_no_link_and_says_so(catalogue):
    first = catalogue["photos"]["00123"][0]
    first.thumbnails.filter(size=640, format="jpeg").delete()
    rows = xlsx_rows(export(size="640", language="en", skus="00123")[0])
    zero = catalogue["photos"]["00123"]
    assert rows[1][1:3] == (
        link(zero[1], size=640, extension="jpg"),
        link(zero[2], size=640, extension="jpg"),
    )
    assert rows[1][-1] == "photo 1: no 640 px JPG copy: no link"


def test_refused_format_without_its_jpeg_copy_gets_no_link_while_accepted_formats_need_none(catalogue):
    _webp, jpeg = catalogue["photos"]["АРТ-001 (синий)"]  # Yandex Market refuses WebP, takes JPEG and PNG
    zero = catalogue["photos"]["00123"]
    Thumbnail.objects.filter(size=1600).delete()
    rows = xlsx_rows(export(preset="yandex_market", language="en", skus="00123\nАРТ-001 (синий)")[0])
    assert rows[1][1].split(",") == [link(image) for image in zero]
    assert rows[2][1] == link(jpeg), "the WebP photo has no JPEG copy to link"
    assert rows[2][-1].startswith(
        "photo 1: Yandex Market does not accept WEBP: linked the 1600 px JPEG; "
        "photo 1: no 1600 px JPG copy: no link"
    )


def test_position_links_in_a_row(catalogue, settings):
    settings.PUBLIC_BASE_URL = "https://photos.example.com"
    rows = xlsx_rows(export(links="position", skus="00123")[0])
    token = catalogue["spring"].link_token
    assert rows[1][1:4] == tuple(
        f"https://photos.example.com/p/{token}/00123/{n}.{ext}"
        for n, ext in ((1, "jpg"), (2, "jpg"), (3, "png"))
    )


@pytest.mark.parametrize("layout", ["in_cell", "per_image"])
def test_rows_follow_the_pasted_sku_order_so_links_line_up(catalogue, layout):
    content, _ = export(albums=["Весна 2026", "Зима"], skus="z-1\nнет\nАРТ-001 (синий)\n00123", layout=layout)
    sku_column = 1 if layout == "per_image" else 0
    skus = [row[sku_column] for row in xlsx_rows(content)[1:]]
    expected = ["Z-1", "нет", "АРТ-001 (синий)", "00123"]
    if layout == "per_image":
        expected = ["Z-1", "нет", *["АРТ-001 (синий)"] * 2, *["00123"] * 3]
    assert skus == expected


def test_in_row_keeps_its_columns_when_photos_arrive_while_the_sheet_is_written(catalogue):
    """The sheet is sized before its rows are read; a photo added in between must not shift the notes."""
    sheet = sheet_build(export_spec_clean(albums=["Весна 2026"], layout="in_row", language="en"))
    image_make(Article.objects.get(sku="00123"), color=(99, 1, 1), original="late.jpg")
    rows = list(sheet.rows)
    assert {len(row) for row in rows} == {len(sheet.columns)} == {5}
    assert rows[0][-1] == "1 more photos left out (3 at most)"
