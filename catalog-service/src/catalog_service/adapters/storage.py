"""Where PDF files live, behind a small interface so an object store can replace the directory."""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[0-9a-f]{32}\.pdf$")


class InvalidKey(ValueError):
    """A storage key that the catalog never generates (and will not touch)."""


class FileStorage(Protocol):
    """Stores files under keys it generates itself (uuid4 + `.pdf`), never a client's name."""

    def staging_path(self) -> Path:
        """A fresh local path to stage an upload before it is checked and `put`."""

    def put(self, staged: Path) -> str:
        """Store a staged file under a new key (the staged file is consumed); returns the key."""

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading; FileNotFoundError when it is gone."""

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""


def check_key(key: str) -> str:
    """Only keys of the generated shape are accepted (no paths, no traversal)."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidKey("not a storage key")
    return key


class LocalDirectoryStorage:
    """Files in one directory; uploads are staged in its `.incoming` subdirectory."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.incoming = self.root / ".incoming"

    def ensure(self) -> None:
        """Create the directories (at startup, not at import)."""
        self.incoming.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        """The file of a key, guaranteed inside the storage directory."""
        path = (self.root / check_key(key)).resolve()
        if path.parent != self.root:
            raise InvalidKey("outside the storage directory")
        return path

    def staging_path(self) -> Path:
        self.ensure()
        return self.incoming / f"{uuid.uuid4().hex}.part"

    def put(self, staged: Path) -> str:
        staged = Path(staged).resolve()
        if staged.parent != self.incoming:
            raise InvalidKey("only files staged by this storage can be stored")
        key = f"{uuid.uuid4().hex}.pdf"
        os.replace(staged, self.path_of(key))
        return key

    def open(self, key: str) -> BinaryIO:
        return open(self.path_of(key), "rb")

    def delete(self, key: str) -> None:
        try:
            self.path_of(key).unlink()
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()
