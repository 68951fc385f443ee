"""The one cleaning of user-given names (album names, SKUs, file names) at every entry point."""

import re
import unicodedata

# Zero-width and bidirectional controls: invisible, yet they make "ABC" and "A\u200bBC" different names and
# can reverse how a name reads (U+202E). Removed together with the C0/C1 control characters.
INVISIBLE_CHARACTERS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def text_clean(text: str) -> str:
    """`text` NFC-normalised, without control characters (C0, C1, DEL) and invisible or bidi controls."""
    text = INVISIBLE_CHARACTERS.sub("", unicodedata.normalize("NFC", text))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
