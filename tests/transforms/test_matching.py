"""match_lazily finds what FileSystems.match finds, in its order; match_inputs once per file."""

from __future__ import annotations

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
