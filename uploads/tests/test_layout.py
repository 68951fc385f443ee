import pytest

from uploads.layout import layout_warnings, natural_key, photo_number, placements
from uploads.names import path_parts


def place(names, *, archive_name="Лето 2026.zip", album="", article=""):
    result = placements(
        [path_parts(name) for name in names], archive_name=archive_name, album=album, article=article
    )
    return [(p.album, p.article) for p in result], result


def test_a_single_top_folder_is_the_album_and_is_stripped():
    where, _ = place(["Зима/Куртка-01/фото 1.jpg", "Зима/Куртка-02/a.jpg", "Зима/RC18_1.jpg"])
    assert where == [("Зима", "Куртка-01"), ("Зима", "Куртка-02"), ("Зима", "RC18")]


def test_several_top_folders_make_the_zip_name_the_album():
    where, _ = place(["SKU-1/a.jpg", "SKU-2/b.jpg"])
    assert where == [("Лето 2026", "SKU-1"), ("Лето 2026", "SKU-2")]


def test_photos_at_the_root_use_the_zip_name_and_ozon_naming():
    where, result = place(["RC18.jpg", "RC18_1.jpg", "RC18_2.jpg", "AB-7_10.png"])
    assert where == [("Лето 2026", "RC18")] * 3 + [("Лето 2026", "AB-7")]
    assert sorted(result[:3], key=lambda p: p.order) == result[:3]


def test_a_mix_of_root_photos_and_one_folder_is_not_a_single_top_folder():
    where, _ = place(["Куртка/a.jpg", "RC18.jpg"])
    assert where == [("Лето 2026", "Куртка"), ("Лето 2026", "RC18")]


def test_the_folder_directly_holding_a_photo_is_its_article():
    where, _ = place(["Album/Group/SKU-1/x.jpg", "Album/Group/SKU-2/deeper/y.jpg"])
    assert where == [("Album", "SKU-1"), ("Album", "deeper")]


def test_a_given_album_keeps_every_folder_for_articles():
    where, _ = place(["SKU-1/1.jpg", "SKU-1/2.jpg", "RC18_1.jpg"], album="Осень")
    assert where == [("Осень", "SKU-1"), ("Осень", "SKU-1"), ("Осень", "RC18")]


def test_a_given_article_takes_every_photo():
    where, _ = place(["Зима/Куртка-01/a.jpg", "RC18_3.jpg"], album="Осень", article="АРТ-1")
    assert where == [("Осень", "АРТ-1"), ("Осень", "АРТ-1")]


def test_a_given_article_without_album_still_finds_the_album():
    where, _ = place(["Зима/Куртка-01/a.jpg"], article="АРТ-1")
    assert where == [("Зима", "АРТ-1")]


def test_order_is_the_number_suffix_then_natural_sort():
    names = ["SKU/10.jpg", "SKU/x_2.jpg", "SKU/2.jpg", "SKU/x_1.jpg", "SKU/main.jpg", "SKU/Фото 3.jpg"]
    _, result = place(names)
    ordered = [name for _, name in sorted(zip(result, names, strict=True), key=lambda pair: pair[0].order)]
    assert ordered == [
        "SKU/2.jpg",
        "SKU/10.jpg",
        "SKU/main.jpg",
        "SKU/Фото 3.jpg",
        "SKU/x_1.jpg",
        "SKU/x_2.jpg",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("RC18.jpg", ("RC18", 0)),
        ("RC18_1.jpg", ("RC18", 1)),
        ("RC18_12.JPG", ("RC18", 12)),
        ("Куртка_2024.jpg", ("Куртка_2024", 0)),
        ("a_b_3.png", ("a_b", 3)),
        ("_1.jpg", ("_1", 0)),
        ("noext", ("noext", 0)),
    ],
)
def test_photo_number_of_ozon_names(name, expected):
    assert photo_number(name) == expected


def test_natural_key_orders_numbers_by_value():
    assert sorted(["10.jpg", "2.jpg", "1.jpg", "B.jpg", "a.jpg"], key=natural_key) == [
        "1.jpg",
        "2.jpg",
        "10.jpg",
        "a.jpg",
        "B.jpg",
    ]


def test_the_zip_name_without_folders_or_extension_names_the_album():
    where, _ = place(["a.jpg", "b/c.jpg"], archive_name="C:\\Users\\me\\Весна.2026.zip")
    assert where[0][0] == "Весна.2026"


def warnings_of(names, *, archive_name="Лето 2026.zip", album="", article=""):
    paths = [path_parts(name) for name in names]
    found = layout_warnings(paths, archive_name=archive_name, album=album, article=article)
    return [(warning.code, warning.params) for warning in found]


def test_several_album_like_top_folders_are_reported_as_merged_into_the_zip_album():
    found = warnings_of(["Весна/SKU-1/a.jpg", "Лето/SKU-2/b.jpg", "Лето/SKU-3/c.jpg"])
    assert found == [("albums_merged", {"count": 2, "folders": "“Весна”, “Лето”", "album": "Лето 2026"})]
    assert warnings_of(["Весна/SKU-1/a.jpg", "Лето/SKU-2/b.jpg"], album="Сезон") == []


def test_sku_folders_at_the_top_and_a_single_album_folder_are_not_warned_about():
    assert warnings_of(["SKU-1/a.jpg", "SKU-2/b.jpg"]) == []
    assert warnings_of(["Зима/Куртка-01/фото 1.jpg", "Зима/Куртка-02/a.jpg"]) == []


def test_the_same_sku_folder_under_two_parents_is_reported_as_one_article():
    names = ["Зима/Мужское/RC-1/a.jpg", "Зима/Женское/rc-1/b.jpg", "Зима/Женское/RC-2/c.jpg"]
    found = warnings_of(names)
    assert found == [
        ("articles_merged", {"sku": "rc-1", "count": 2, "parents": "“Женское”, “Мужское”"}),
    ]
    where, _ = place(names)
    assert {article for _album, article in where[:2]} <= {"RC-1", "rc-1"}
    assert warnings_of(names, article="ОДИН") == []
