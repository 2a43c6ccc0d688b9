"""The commit protocol every filesystem shares (issue 23, docs/object-stores.md), on a local
folder: the manifest names the published files and is written after them; a run that dies
while publishing leaves the committed run whole, and the next run removes its files; one run
at a time holds the output; the manifest never carries a secret."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job import outputdir
from scrapeclean.pipeline.job.lock import output_lock
from scrapeclean.pipeline.job.manifest import redact_options
from tests.conftest import SEEDS

INPUT = str(SEEDS / "*")


def data_files(output: Path) -> list[str]:
    """Every Parquet file under articles/ and rejects/, relative to the output."""
    return sorted(
        str(path.relative_to(output))
        for kind in ("articles", "rejects")
        for path in (output / kind).rglob("*.parquet")
    )


def manifest(output: Path) -> dict[str, object]:
    return json.loads((output / "manifest.json").read_text(encoding="utf-8"))


def rows(output: Path, files: Sequence[str]) -> list[dict[str, object]]:
    return sorted(
        (row for name in files for row in pq.read_table(output / name).to_pylist()),
        key=lambda row: str(row["source"]),
    )


class Killed(BaseException):
    """Stands for the process dying: nothing of ours catches a BaseException."""


def test_a_run_dying_mid_publish_leaves_the_committed_run_and_is_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out"
    assert main(["run", "--quiet", "--input", INPUT, "--output", str(output)]) == 0
    before = manifest(output)
    assert before["published"] == data_files(output)  # the manifest names exactly its files
    committed_rows = rows(output, before["published"])

    real_move = outputdir.move

    def move_one_then_die(sources: list[str], targets: list[str]) -> None:
        real_move(sources[:1], targets[:1])
        raise Killed

    monkeypatch.setattr(outputdir, "move", move_one_then_die)
    with pytest.raises(Killed):
        main(["run", "--quiet", "--input", INPUT, "--output", str(output), "--overwrite"])
    monkeypatch.undo()
    assert manifest(output) == before and not (output / "_SUCCESS").exists()
    half = sorted(set(data_files(output)) - set(before["published"]))
    assert len(half) == 1  # one file of the dying run, which no manifest names
    assert rows(output, before["published"]) == committed_rows  # whole and readable

    assert main(["run", "--quiet", "--input", INPUT, "--output", str(output), "--overwrite"]) == 0
    after = manifest(output)
    assert after["published"] == data_files(output)
    assert not set(after["published"]) & set(before["published"])  # new names: none replaced
    assert half[0] not in after["published"]
    assert rows(output, after["published"]) == committed_rows
    assert (output / "_SUCCESS").exists()
    assert not list(output.glob("_staging-*"))


def test_an_output_another_run_holds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out"
    with output_lock(str(output), PipelineOptions([])):
        assert main(["run", "--quiet", "--input", INPUT, "--output", str(output)]) == 2
    assert "another scrapeclean run is writing --output" in capsys.readouterr().err
    assert list(output.iterdir()) == []  # nothing written
    assert main(["run", "--quiet", "--input", INPUT, "--output", str(output)]) == 0  # released


@pytest.mark.parametrize(
    ("given", "recorded"),
    [
        (
            ["--s3_access_key_id=AKIA", "--s3_secret_access_key=hush", "--runner=Flink"],
            [
                "--s3_access_key_id=<redacted>",
                "--s3_secret_access_key=<redacted>",
                "--runner=Flink",
            ],
        ),
        (
            ["--s3_session_token", "tok", "--s3_endpoint_url", "http://user:pw@minio:9000"],
            ["--s3_session_token", "<redacted>", "--s3_endpoint_url", "<redacted>"],
        ),
        (["--s3_region_name=eu-west-1", "--project", "p"], None),  # nothing secret: as given
    ],
)
def test_the_manifest_redacts_credentials_and_endpoints(
    given: list[str], recorded: list[str] | None
) -> None:
    assert redact_options(given) == (given if recorded is None else recorded)
