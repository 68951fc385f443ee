"""Photos and ZIPs built in code for the upload tests (nothing binary is checked in)."""

import io
import os
import zipfile

from PIL import Image as PILImage
from PIL import ImageDraw


def noise_jpeg(_number: int = 0, size: tuple[int, int] = (480, 360)) -> bytes:
    """A photo that does not compress: random pixels (about 150 KB as JPEG)."""
    picture = PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def zip_bytes(
    members: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A ZIP of `name → content` (a ZipInfo as name sets flags and attributes by hand)."""
    buffer = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in items:
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_with_raw_names(members: list[tuple[bytes, bytes]]) -> bytes:
    """A ZIP whose names are exactly these bytes with no UTF-8 flag, as Windows Explorer writes cp866."""
    buffer = io.BytesIO()
    placeholders = [f"Q{index}".ljust(len(raw), "Q") for index, (raw, _content) in enumerate(members)]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for placeholder, (_raw, content) in zip(placeholders, members, strict=True):
            archive.writestr(placeholder, content)
    data = buffer.getvalue()
    for placeholder, (raw, _content) in zip(placeholders, members, strict=True):
        data = data.replace(placeholder.encode(), raw)
    return data


def zip_mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' flag of member `name` in its local and central headers (zipfile won't)."""
    raw, encoded = bytearray(data), name.encode()
    position = 0
    while (position := raw.find(encoded, position)) != -1:
        for signature, name_offset, flags_offset in ((b"PK\x03\x04", 30, 6), (b"PK\x01\x02", 46, 8)):
            header = position - name_offset
            if header >= 0 and raw[header : header + 4] == signature:
                raw[header + flags_offset] |= 0x1
        position += len(encoded)
    return bytes(raw)


def photo_like_zip(count: int) -> bytes:
    """`count` different noisy 2400×1800 JPEGs: slow enough to decode that a kill lands mid-job."""
    noise = PILImage.merge("RGB", [PILImage.effect_noise((1200, 900), 60) for _ in range(3)]).resize(
        (2400, 1800)
    )
    members = {}
    for index in range(count):
        picture = noise.copy()
        ImageDraw.Draw(picture).rectangle((0, 0, 40, 40), fill=(index * 7 % 256, 0, 0))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=90)
        members[f"Зима/SKU-{index % 3}/фото {index}.jpg"] = buffer.getvalue()
    return zip_bytes(members)
