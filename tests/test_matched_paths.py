"""Every matched path is accounted for (issue 17): what is not a regular file is one
`unreadable` reject, never a hang or a silent skip; odd names are matched, their `source` is
valid UTF-8 and `explain`, `inspect` and the report's preview take it back (docs/sources.md)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.tools.output_reader import preview_source
from scrapeclean.transforms.text.sources import source_of
from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"
CONTROL = SEEDS / "000_05c8e702dea443c3.txt"
NOT_FILES = {
    "pipe.txt": "a FIFO (named pipe), not a regular file",  # it hung the run forever
    "pipe.jsonl": "a FIFO (named pipe), not a regular file",  # planned into chunks first
    "socket.txt": "a socket, not a regular file",
    "device.txt": "a character device, not a regular file",  # was read: an `empty` reject
    "dangling.txt": "a symbolic link whose target is missing",  # was skipped silently
    "folder": "a directory, not a regular file",  # given as a file
}


def rows(output: Path, kind: str) -> list[dict[str, object]]:
    return ds.dataset(output / kind, format="parquet", partitioning="hive").to_table().to_pylist()


def test_what_is_not_a_regular_file_is_one_unreadable_reject(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    landing.mkdir()
    shutil.copy(CONTROL, landing / "control.txt")
    os.mkfifo(landing / "pipe.txt")
    os.mkfifo(landing / "pipe.jsonl")
    os.symlink("/dev/null", landing / "device.txt")
    os.symlink(tmp_path / "missing", landing / "dangling.txt")
    (tmp_path / "folder").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(landing / "socket.txt"))
    command = [str(SCRIPT), "run", "--input", f"{landing}/*", "--input", str(tmp_path / "folder")]
    try:  # the installed script, with a timeout: a FIFO opened blocking would never return
        result = subprocess.run(
            [*command, "--output", str(output), "--quiet"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        server.close()
    assert (result.returncode, result.stderr) == (0, "")
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"documents_in": 7, "articles": 1, "rejects": 6, "balanced": True}
    rejects = {
        Path(str(r["source"])).name: (r["reason"], r["detail"]) for r in rows(output, "rejects")
    }
    assert rejects == {name: ("unreadable", detail) for name, detail in NOT_FILES.items()}
    assert [Path(str(r["source"])).name for r in rows(output, "articles")] == ["control.txt"]
    assert (landing / "pipe.txt").exists() and (landing / "control.txt").exists()


ODD_NAMES = [
    "back\\slash.txt",  # Beam's "*" never matched it
    "star*.txt",
    "q?.txt",
    "br[ack].txt",
    "new\nline.txt",
    os.fsdecode(b"caf\xe9-latin1.txt"),  # a non-UTF-8 byte: the write failed the run (exit 1)
]


@pytest.fixture(scope="module")
def odd_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("odd")
    landing, output = base / "landing", base / "out"
    landing.mkdir()
    for name in ODD_NAMES:
        shutil.copy(CONTROL, landing / name)
    assert main(["run", "--input", f"{landing}/*", "--output", str(output), "--quiet"]) == 0
    return output


def test_odd_names_are_matched_with_valid_utf8_sources(odd_output: Path) -> None:
    sources = sorted(str(row["source"]) for row in rows(odd_output, "articles"))
    landing = odd_output.parent / "landing"
    assert sources == sorted(source_of(str(landing / name)) for name in ODD_NAMES)
    assert f"{landing}/back\\\\slash.txt" in sources and f"{landing}/caf\\xe9-latin1.txt" in sources
    for source in sources:
        source.encode("utf-8")  # pyarrow read it back, so it is; and no lone surrogate


@pytest.mark.parametrize("name", ODD_NAMES)
def test_explain_inspect_and_the_preview_take_a_source_back(
    name: str, odd_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = source_of(str(odd_output.parent / "landing" / name))
    assert main(["explain", source]) == 0
    assert capsys.readouterr().out.startswith(f"explain {source}\n")
    assert main(["inspect", str(odd_output), "--where", f"source={source}"]) == 0
    assert "1 article matching" in capsys.readouterr().out
    preview = preview_source(source, 60)
    assert preview.text is not None and preview.text.startswith(CONTROL.read_text()[:40])
