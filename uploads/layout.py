"""The ZIP layout rule: which album, article and order each photo of an upload gets. The one place it lives.

Album
  - the `album` given with the upload (existing or new);
  - otherwise, when every photo sits under one and the same top-level folder, that folder (and it is stripped
    from the paths before articles are worked out);
  - otherwise the archive's file name without its extension.
Article
  - the `article` given with the upload takes every photo;
  - otherwise the folder that directly contains the photo (`Album/Group/SKU-1/x.jpg` → `SKU-1`);
  - a photo with no folder (below the album) is named the Ozon way: `RC18.jpg`, `RC18_1.jpg`, `RC18_2.jpg` →
    article `RC18`. Only a 1–2 digit `_N` counts as a photo number, so `Куртка_2024.jpg` is article
    `Куртка_2024`.
Order inside an article
  - the `_N` suffix first (no suffix = the main photo), then natural order of the names (`2.jpg` before
    `10.jpg`); photos added to an existing article go after the ones already there.

`placements(paths, …)` works on paths already split by `uploads.names.path_parts` and stripped of junk;
`layout_warnings(paths, …)` names what the rule merged that a person may not expect.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from gallery.models import name_key

_SUFFIX = re.compile(r"^(?P<base>.+?)_(?P<number>\d{1,2})$")
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders embedded numbers by value: `фото 2` < `фото 10`, case-insensitively."""
    return tuple(int(piece) if piece.isdigit() else piece.casefold() for piece in _DIGITS.split(name))


def stem(file_name: str) -> str:
    """The file name without its last extension (`RC18_1.jpg` → `RC18_1`; `.hidden` stays whole)."""
    base, dot, _extension = file_name.rpartition(".")
    return base if dot and base else file_name


def photo_number(file_name: str) -> tuple[str, int]:
    """Split an Ozon-style name into its base and photo number: `RC18_2.jpg` → (`RC18`, 2); `RC18.jpg` → 0."""
    name = stem(file_name)
    match = _SUFFIX.match(name)
    if match:
        return match["base"], int(match["number"])
    return name, 0


def order_key(file_name: str) -> tuple:
    """Where a photo goes among the new photos of its article: `_N` number first, then natural order."""
    _base, number = photo_number(file_name)
    return (number, natural_key(file_name))


@dataclass(frozen=True)
class Placement:
    """Where one photo goes. `order` sorts the photos of one article (see `order_key`)."""

    album: str
    article: str
    order: tuple = field(compare=False)


def album_for(paths: Sequence[Sequence[str]], *, archive_name: str, album: str = "") -> tuple[str, bool]:
    """The album name of an upload and whether the single top-level folder is stripped from its paths."""
    if album.strip():
        return album, False
    tops = {parts[0] for parts in paths if len(parts) > 1}
    if len(tops) == 1 and all(len(parts) > 1 for parts in paths):
        return tops.pop(), True
    return stem(archive_name.replace("\\", "/").rsplit("/", 1)[-1]) or archive_name, False


def placements(
    paths: Sequence[Sequence[str]], *, archive_name: str, album: str = "", article: str = ""
) -> list[Placement]:
    """Place every photo of an upload (one entry per path, same order) by the rule in this module's docstring.

    `paths` are the photos' paths split into folders and file name (junk and directories already removed);
    `album`/`article` are the form values ("" when not given).
    """
    album_name, strip_top = album_for(paths, archive_name=archive_name, album=album)
    result = []
    for parts in paths:
        folders, file_name = list(parts[1:-1] if strip_top else parts[:-1]), parts[-1]
        if article.strip():
            sku = article
        elif folders:
            sku = folders[-1]
        else:
            sku = photo_number(file_name)[0]
        result.append(Placement(album=album_name, article=sku, order=order_key(file_name)))
    return result


@dataclass(frozen=True)
class LayoutWarning:
    """Something the layout rule merged; `template` is English (gettext_noop), filled with `params`."""

    code: str
    template: str
    params: dict

    def as_dict(self) -> dict:
        return {"code": self.code, "template": self.template, "params": self.params}


WARNING_LIST_MAX = 5  # names quoted in one warning


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(f"“{item}”" for item in items[:WARNING_LIST_MAX])
    return shown + (" …" if len(items) > WARNING_LIST_MAX else "")


def layout_warnings(
    paths: Sequence[Sequence[str]], *, archive_name: str, album: str = "", article: str = ""
) -> list[LayoutWarning]:
    """What `placements` merged that a person may not expect, from the same arguments.

    - several top-level folders, one of them holding SKU folders (so it looks like an album), no album
      given: they all went into one album named after the archive;
    - the same SKU folder under different parents: their photos were merged into one article.
    """
    warnings = []
    album_name, strip_top = album_for(paths, archive_name=archive_name, album=album)
    tops = sorted({parts[0] for parts in paths if len(parts) > 1}, key=natural_key)
    album_like = any(len(parts) > 2 for parts in paths)
    if not album.strip() and len(tops) > 1 and album_like:
        warnings.append(
            LayoutWarning(
                "albums_merged",
                gettext_noop(
                    "The archive has {count} top-level folders ({folders}); they all went into one album, "
                    "“{album}”, named after the archive. Upload one ZIP per album to keep them apart."
                ),
                {"count": len(tops), "folders": _names(tops), "album": album_name},
            )
        )
    if article.strip():
        return warnings
    parents: dict[str, dict[str, str]] = {}  # SKU key → parent path → SKU as written
    for parts in paths:
        folders = list(parts[1:-1] if strip_top else parts[:-1])
        if folders:
            parents.setdefault(name_key(folders[-1]), {})["/".join(folders[:-1])] = folders[-1]
    for places in parents.values():
        if len(places) > 1:
            where = sorted(places, key=natural_key)
            warnings.append(
                LayoutWarning(
                    "articles_merged",
                    gettext_noop(
                        "Folder “{sku}” appears in {count} places ({parents}); their photos were merged "
                        "into one article “{sku}”."
                    ),
                    {
                        "sku": places[where[0]],
                        "count": len(where),
                        "parents": _names([parent or "/" for parent in where]),
                    },
                )
            )
    return warnings
