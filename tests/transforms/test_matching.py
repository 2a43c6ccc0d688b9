"""match_lazily finds what FileSystems.match finds, in its order, and also what Beam misses
(issue 17): names with a backslash, and entries that are not files; match_inputs once per file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from apache_beam.io.filesystems import FileSystems

from scrapeclean.transforms.beam.matching import match_inputs, match_lazily

FILES = ("a.txt", "b.txt", "c.jsonl", "sub1/a.txt", "sub2/b.txt", "sub2/deep/c.txt", "x/[y].txt")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for number, name in enumerate(FILES):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (number + 1))
    return tmp_path


@pytest.mark.parametrize(
    "glob",
    [
        "*.txt",
        "*",
        "**",
        "**/*.txt",
        "sub?/*.txt",
        "[ab].txt",
        "[!a].txt",
        "sub2/",
        "sub1/a.txt",
        "missing.txt",
        "missing/*.txt",
        "x/*",
    ],
)
def test_match_lazily_agrees_with_beams_match(tree: Path, glob: str) -> None:
    pattern = f"{tree}/{glob}"
    expected = [(m.path, m.size_in_bytes) for m in FileSystems.match([pattern])[0].metadata_list]
    assert [(m.path, m.size_in_bytes) for m in match_lazily(pattern)] == expected


def test_match_lazily_of_an_unknown_scheme_raises_like_beam() -> None:
    with pytest.raises(ValueError):
        next(match_lazily("nosuchscheme://bucket/*.txt"))


def test_match_inputs_gives_a_file_two_globs_match_once(tree: Path) -> None:
    matched = list(match_inputs([f"{tree}/*.txt", f"{tree}/a.*", f"{tree}/**/b.txt"]))
    paths = [path for path, _ in matched]
    assert len(paths) == len(set(paths))  # once each (in listing order, which is the disk's)
    assert set(paths) == {str(tree / "a.txt"), str(tree / "b.txt"), str(tree / "sub2/b.txt")}
    assert dict(matched)[str(tree / "b.txt")] == 2  # sizes come along


def test_a_star_matches_a_backslash_and_every_odd_name(tmp_path: Path) -> None:
    names = ["back\\slash.txt", "star*.txt", "q?.txt", "br[ack].txt", "new\nline.txt"]
    names.append(os.fsdecode(b"bad\xff.txt"))
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    found = {Path(m.path).name for m in match_lazily(f"{tmp_path}/*.txt")}
    assert found == set(names)  # Beam's own "*" is [^/\\]*: it misses the first one
    beams = {Path(m.path).name for m in FileSystems.match([f"{tmp_path}/*.txt"])[0].metadata_list}
    assert found - beams == {"back\\slash.txt"}


def test_entries_that_are_not_files_are_listed_for_the_reader_to_reject(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    os.symlink(tmp_path / "missing", tmp_path / "dangling.txt")
    (tmp_path / "folder.txt").mkdir()
    assert sorted(Path(m.path).name for m in match_lazily(f"{tmp_path}/*.txt")) == [
        "dangling.txt",  # Beam's listing drops it (its size cannot be read): a silent loss
        "pipe.txt",
    ]  # a folder is walked into, as Beam does; named on its own it is matched:
    assert [m.path for m in match_lazily(str(tmp_path / "folder.txt"))] == [
        str(tmp_path / "folder.txt")
    ]
    assert [m.size_in_bytes for m in match_lazily(str(tmp_path / "dangling.txt"))] == [0]
