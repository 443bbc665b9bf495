"""Text that is safe to publish: the characters XML 1.0 can carry, and the control
characters an editor form refuses (usually pasted by accident from another program)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ForbiddenCharacter", "find_forbidden_character", "xml_safe"]

# Everything outside XML 1.0's Char production:
# #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_LINE_BREAKS_AND_TABS = frozenset("\t\n\r")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (NUL and the other C0 controls
    except tab, newline and carriage return; lone surrogates; U+FFFE and U+FFFF).

    Every value written into a feed goes through this, so a bad row already in the database
    can never make a feed fail for everyone."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True, slots=True)
class ForbiddenCharacter:
    """The first character a form refuses, and where it is (1-based, as people count)."""

    character: str
    position: int

    @property
    def code(self) -> str:
        """The character's code point, e.g. ``U+000B``."""
        return f"U+{ord(self.character):04X}"

    @property
    def description(self) -> str:
        """What the character is, in words, e.g. ``a vertical tab (U+000B)``."""
        name = _CONTROL_NAMES.get(self.character)
        if name:
            return f"{name} ({self.code})"
        return f"an invisible character ({self.code})"


_CONTROL_NAMES = {
    "\x00": "a null character",
    "\x08": "a backspace",
    "\x09": "a tab",
    "\x0a": "a line break",
    "\x0b": "a vertical tab",
    "\x0c": "a form feed (page break)",
    "\x0d": "a carriage return",
    "\x1b": "an escape character",
    "\x1f": "a unit separator",
    "\x7f": "a delete character",
}


def find_forbidden_character(text: str, *, multiline: bool) -> ForbiddenCharacter | None:
    """The first control character (Unicode category ``Cc``), surrogate or non-character
    XML cannot carry in ``text``, or ``None`` when there is none.

    Tab, newline and carriage return are allowed in ``multiline`` text (Markdown bodies,
    summaries, transcripts); a single-line field (a title, a slug, alt text) allows none.
    """
    for index, char in enumerate(text):
        if multiline and char in _LINE_BREAKS_AND_TABS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or _NOT_XML.match(char):
            return ForbiddenCharacter(char, index + 1)
    return None
