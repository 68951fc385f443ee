import io
import stat
import zipfile
from dataclasses import replace

import pytest

from gallery.tests.factories import picture_bytes
from uploads.archive import archive_entries, entry_read
from uploads.tests.builders import zip_bytes, zip_mark_encrypted, zip_with_raw_names
from uploads.validation import Limits, Refused

LIMITS = Limits(
    upload_bytes=2 * 1024**3,
    total_bytes=8 * 1024**3,
    entries=100,
    file_bytes=50 * 1024**2,
    compression_ratio=200,
    pixels=80_000_000,
    name_length=255,
)


def entries_of(data: bytes, limits: Limits = LIMITS):
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, archive_entries(archive, limits=limits)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """1 GiB of zeros deflated into about 1 MB."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.jpg", "w", force_zip64=True) as member,
    ):
        chunk = bytes(16 * 1024**2)
        for _ in range(64):
            member.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_entry_is_refused_before_it_is_inflated(bomb, monkeypatch):
    assert len(bomb) < 2 * 1024**2
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: opened.append(args))
    _, entries = entries_of(bomb, replace(LIMITS, file_bytes=2 * 1024**3))
    assert entries[0].refusal.code == "compression_ratio"
    assert not opened


def test_an_entry_that_lies_about_its_size_stops_at_the_limit():
    data = zip_bytes({"big.jpg": bytes(3 * 1024**2)})
    archive, entries = entries_of(data)
    with pytest.raises(Refused) as refused:
        entry_read(archive, entries[0], limits=replace(LIMITS, file_bytes=1024**2))
    assert refused.value.code == "file_too_large"


def test_too_many_entries_refuse_the_whole_archive():
    with pytest.raises(Refused) as refused:
        entries_of(zip_bytes({f"{index}.jpg": b"x" for index in range(6)}), replace(LIMITS, entries=5))
    assert refused.value.code == "too_many_entries"


def test_an_archive_unpacking_past_the_total_limit_is_refused():
    data = zip_bytes({"a.jpg": bytes(1000), "b.jpg": bytes(1000)})
    with pytest.raises(Refused) as refused:
        entries_of(data, replace(LIMITS, total_bytes=1500))
    assert refused.value.code == "archive_too_large"


def test_symlink_encrypted_empty_and_long_names_are_refused_with_reasons():
    link = zipfile.ZipInfo("link.jpg")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = zip_bytes(
        [
            (link, b"/etc/passwd"),
            ("locked.jpg", b"secret"),
            ("empty.jpg", b""),
            ("a" * 300 + ".jpg", picture_bytes()),
            ("big.jpg", bytes(2000)),
        ]
    )
    _, entries = entries_of(zip_mark_encrypted(data, "locked.jpg"), replace(LIMITS, file_bytes=1000))
    assert [entry.refusal.code for entry in entries] == [
        "symlink",
        "encrypted",
        "empty",
        "name_too_long",
        "file_too_large",
    ]
    assert all(entry.refusal.message for entry in entries)


def test_junk_and_directories_are_ignored_and_zip_slip_names_are_only_names():
    data = zip_bytes(
        {
            "Зима/": b"",
            "__MACOSX/Зима/._a.jpg": b"x",
            "Зима/.DS_Store": b"x",
            "Зима/Thumbs.db": b"x",
            "../../evil/a.jpg": picture_bytes(),
            "C:\\Windows\\b.jpg": picture_bytes(),
        }
    )
    _, entries = entries_of(data)
    assert [entry.ignored for entry in entries] == [True, True, True, True, False, False]
    assert entries[4].parts == ["evil", "a.jpg"]
    assert entries[5].parts == ["Windows", "b.jpg"]


def test_cp866_names_are_decoded_from_a_real_archive():
    data = zip_with_raw_names([("Зима/Куртка-01/фото 1.jpg".encode("cp866"), picture_bytes())])
    _, entries = entries_of(data)
    assert entries[0].name == "Зима/Куртка-01/фото 1.jpg"
    assert entries[0].parts == ["Зима", "Куртка-01", "фото 1.jpg"]


def test_a_damaged_entry_is_refused_and_the_others_still_read():
    good, bad = picture_bytes(color=(1, 2, 3)), picture_bytes(color=(4, 5, 6))
    data = bytearray(zip_bytes({"good.jpg": good, "bad.jpg": bad}, compression=zipfile.ZIP_STORED))
    start = bytes(data).index(bad)
    data[start + 100 : start + 110] = b"\0" * 10  # the stored CRC no longer matches
    archive, entries = entries_of(bytes(data))
    assert entry_read(archive, entries[0], limits=LIMITS).read() == good
    with pytest.raises(Refused) as refused:
        entry_read(archive, entries[1], limits=LIMITS)
    assert refused.value.code == "damaged_entry"
