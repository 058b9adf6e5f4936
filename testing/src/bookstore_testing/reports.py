"""docs/RELIABILITY.md has two writers: the fault suites (everything before the soak's marker)
and `make soak` (the marker and everything after it). Each replaces only its own part."""
from __future__ import annotations

from pathlib import Path

SOAK_MARKER = "<!-- soak: the section below is written by `make soak` -->"


def split(path: Path, marker: str = SOAK_MARKER) -> tuple[str, str]:
    """(what comes before the marker, the marker and what follows) of the file as it is."""
    text = path.read_text() if path.exists() else ""
    at = text.find(marker)
    return (text, "") if at < 0 else (text[:at], text[at:])


def replace_section(path: Path, marker: str, section: str) -> None:
    """Write `section` (which starts with the marker) in place of the file's marked part."""
    before, _old = split(path, marker)
    path.write_text(before.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n")


def replace_head(path: Path, head: str, marker: str = SOAK_MARKER) -> None:
    """Write `head` in place of what comes before the marker, keeping the marked part."""
    _old, tail = split(path, marker)
    path.write_text(head.rstrip("\n") + "\n" + ("\n" + tail if tail else ""))
