import pytest

from gallery.specs import THUMBNAIL_SPECS, fit_within


@pytest.mark.parametrize(
    ("size", "box", "expected"),
    [((4000, 3000), 1600, (1600, 1200)), ((3000, 4000), 640, (480, 640)), ((100, 50), 160, (100, 50))],
)
def test_fit_within_scales_down_and_never_up(size, box, expected):
    assert fit_within(*size, box) == expected


def test_every_size_comes_in_jpeg_and_webp():
    sizes = {spec.size for spec in THUMBNAIL_SPECS}
    assert {(spec.size, spec.format) for spec in THUMBNAIL_SPECS} == {
        (size, fmt) for size in sizes for fmt in ("jpeg", "webp")
    }
    assert len(sizes) >= 3
