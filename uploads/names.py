"""Names of archive entries: decoding, cleaning, splitting into folders, and recognising junk.

Entry names are only ever used to *place* a photo (album, article, order) and to report on it; stored
files get generated names (`gallery.paths`), so nothing here has to make a name safe for a filesystem.
"""

import re
import zipfile
from collections.abc import Sequence

from core.text import text_clean

UTF8_FLAG = 0x800  # general purpose bit 11: the name is UTF-8
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "__macosx"})
_DRIVE = re.compile(r"^[A-Za-z]:$")


def entry_name_decode(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author saw it.

    UTF-8 when the entry's UTF-8 flag is set; otherwise the raw bytes are tried as UTF-8 (macOS, Linux
    and 7-Zip often write UTF-8 without the flag) and, failing that, decoded as cp866, the OEM code page
    Windows Explorer uses for Cyrillic names. The result is cleaned with `text_clean`.
    """
    if info.flag_bits & UTF8_FLAG:
        return text_clean(info.orig_filename)
    raw = info.orig_filename.encode("cp437")  # zipfile decoded the raw bytes as cp437: undo it losslessly
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("cp866")
    return text_clean(name)


def path_parts(name: str) -> list[str]:
    """The folders and file name of an entry path, with `\\` taken as a separator too.

    Empty parts, `.`, `..` and a leading drive letter (`C:`) are dropped, so `../../etc/x.jpg`,
    `/abs/x.jpg` and `C:\\photos\\x.jpg` become `["etc", "x.jpg"]`, `["abs", "x.jpg"]`, `["photos", "x.jpg"]`.
    """
    parts = [part.strip() for part in name.replace("\\", "/").split("/")]
    parts = [part for part in parts if part not in ("", ".", "..")]
    if parts and _DRIVE.match(parts[0]):
        parts = parts[1:]
    return parts


def is_junk(parts: Sequence[str]) -> bool:
    """Whether an entry is operating-system clutter to skip silently: `__MACOSX/`, dotfiles (`._x`,
    `.DS_Store`), `Thumbs.db`, `desktop.ini`, or anything inside a dot-folder."""
    return any(part.startswith(".") or part.casefold() in JUNK_NAMES for part in parts)
