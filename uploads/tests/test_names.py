import zipfile

import pytest

from core.text import text_clean
from uploads.names import entry_name_decode, is_junk, path_parts


def info_with_raw_name(raw: bytes, *, utf8_flag: bool = False) -> zipfile.ZipInfo:
    """A ZipInfo as zipfile builds it when reading: the raw name decoded as cp437 unless the flag is set."""
    info = zipfile.ZipInfo(raw.decode("utf-8") if utf8_flag else raw.decode("cp437"))
    info.orig_filename = info.filename
    info.flag_bits = 0x800 if utf8_flag else 0
    return info


def test_cp866_names_from_windows_explorer_come_out_readable():
    raw = "Зима/Куртка-01/фото 1.jpg".encode("cp866")
    assert entry_name_decode(info_with_raw_name(raw)) == "Зима/Куртка-01/фото 1.jpg"


def test_utf8_names_without_the_flag_are_recognised():
    raw = "Зима/Куртка-01/фото 1.jpg".encode()
    assert entry_name_decode(info_with_raw_name(raw)) == "Зима/Куртка-01/фото 1.jpg"


def test_flagged_utf8_names_are_taken_as_they_are_and_nfc_normalised():
    decomposed = "Ёлка/йод.jpg".replace("Ё", "Е\u0308").replace("й", "и\u0306")
    assert entry_name_decode(info_with_raw_name(decomposed.encode(), utf8_flag=True)) == "Ёлка/йод.jpg"


def test_names_read_back_from_a_real_zip(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Весна/фото.jpg", b"x")  # zipfile sets the UTF-8 flag itself
    with zipfile.ZipFile(path) as archive:
        assert [entry_name_decode(info) for info in archive.infolist()] == ["Весна/фото.jpg"]


def test_control_characters_are_removed():
    assert text_clean("a\x00b\x1b[31mc\x7f\u0085d") == "ab[31mcd"


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("../../etc/passwd.jpg", ["etc", "passwd.jpg"]),
        ("/abs/x.jpg", ["abs", "x.jpg"]),
        ("C:\\photos\\x.jpg", ["photos", "x.jpg"]),
        ("a\\..\\b/./c.jpg", ["a", "b", "c.jpg"]),
        ("dir/", ["dir"]),
    ],
)
def test_paths_are_split_without_traversal(name, parts):
    assert path_parts(name) == parts


@pytest.mark.parametrize(
    ("name", "junk"),
    [
        ("__MACOSX/Зима/._a.jpg", True),
        ("Зима/._a.jpg", True),
        ("Зима/.DS_Store", True),
        ("Зима/Thumbs.db", True),
        ("desktop.ini", True),
        (".git/config", True),
        ("Зима/a.jpg", False),
    ],
)
def test_operating_system_clutter_is_junk(name, junk):
    assert is_junk(path_parts(name)) is junk
