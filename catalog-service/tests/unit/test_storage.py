"""PDF storage: generated names only, nothing outside its directory."""
from pathlib import Path

import pytest
from catalog_service.adapters.storage import InvalidKey, LocalDirectoryStorage, check_key


@pytest.mark.parametrize("key", ["../../etc/passwd", "/etc/passwd", "a.pdf", "x/../y.pdf",
                                 "0" * 32 + ".PDF", "0" * 32 + ".pdf/..", "", "..", None])
def test_keys_that_were_not_generated_are_refused(key, tmp_path):
    storage = LocalDirectoryStorage(tmp_path / "pdfs")
    with pytest.raises(InvalidKey):
        check_key(key)
    with pytest.raises(InvalidKey):
        storage.path_of(key)


def test_a_staged_file_is_stored_under_a_generated_name_inside_the_directory(tmp_path):
    storage = LocalDirectoryStorage(tmp_path / "pdfs")
    staged = storage.staging_path()
    staged.write_bytes(b"%PDF-1.4 hello")
    key = storage.put(staged)
    assert check_key(key) == key
    assert not staged.exists()
    path = storage.path_of(key)
    assert path.parent == (tmp_path / "pdfs").resolve()
    with storage.open(key) as fh:
        assert fh.read() == b"%PDF-1.4 hello"
    storage.delete(key)
    assert not path.exists()
    storage.delete(key)  # already gone: fine


def test_only_files_staged_by_the_storage_can_be_put(tmp_path):
    storage = LocalDirectoryStorage(tmp_path / "pdfs")
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(b"%PDF-")
    with pytest.raises(InvalidKey):
        storage.put(Path(outside))
    assert outside.exists()
