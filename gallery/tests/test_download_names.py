"""`download_name`: what a downloaded original is called, alone or inside a ZIP."""

import pytest

from gallery.links import download_name


@pytest.mark.parametrize(
    ("sku", "position", "image_format", "expected"),
    [
        ("АРТ-001", 0, "JPEG", "АРТ-001_1.jpg"),
        ("АРТ-001", 6, "PNG", "АРТ-001_7.png"),
        ("boots", 0, "HEIF", "boots_1.heic"),
        ("A/B\\C:D", 1, "WEBP", "A_B_C_D_2.webp"),  # path separators never make folders
        ('x*?"<>|y', 0, "JPEG", "x______y_1.jpg"),
        ("tab\there", 0, "JPEG", "tab_here_1.jpg"),
        ("..", 0, "JPEG", "photo_1.jpg"),  # nothing usable left: a neutral stem, never a hidden file
    ],
)
def test_download_name_is_sku_position_and_format_extension(sku, position, image_format, expected):
    assert download_name(sku=sku, position=position, image_format=image_format) == expected
