"""The output on S3 (issue 23), against a real S3 API: moto's server on 127.0.0.1, reached
through Beam's S3 filesystem by the pipeline and through pyarrow's by the checks below."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest
from datasets import Dataset

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job.lock import LEASE_SECONDS, LOCK
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA
from tests.conftest import SEEDS

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "landing"
SECRET = "s3cr3t-never-published"
TEXT_SEEDS = sorted(path for path in SEEDS.iterdir() if path.name.endswith(".txt"))  # 7 files


@dataclass(frozen=True)
class S3:
    """moto's S3 server and the ways to reach it."""

    endpoint: str  # http://127.0.0.1:<port>
    client: object  # boto3's

    @property
    def beam_args(self) -> list[str]:
        """Beam's own S3 options: the only way scrapeclean takes an endpoint and credentials."""
        return [
            f"--s3_endpoint_url={self.endpoint}",
            "--s3_access_key_id=scrapeclean-test",
            f"--s3_secret_access_key={SECRET}",
            "--s3_region_name=us-east-1",
        ]

    def arrow(self) -> pafs.S3FileSystem:
        return pafs.S3FileSystem(
            access_key="scrapeclean-test",
            secret_key=SECRET,
            region="us-east-1",
            endpoint_override=self.endpoint.removeprefix("http://"),
            scheme="http",
        )

    def keys(self, prefix: str) -> list[str]:
        """Every object key under ``prefix/`` (relative to it)."""
        found = self.client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")  # type: ignore[attr-defined]
        return sorted(item["Key"][len(prefix) + 1 :] for item in found.get("Contents", []))

    def json(self, key: str) -> dict[str, object]:
        body = self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()  # type: ignore[attr-defined]
        return json.loads(body)

    def upload(self, paths: list[Path], prefix: str) -> None:
        for path in paths:
            self.client.upload_file(str(path), BUCKET, f"{prefix}/{path.name}")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def s3() -> Iterator[S3]:
    """moto's S3 server on 127.0.0.1 and a free port, for the whole session."""
    saved = {name: os.environ.get(name) for name in ("AWS_EC2_METADATA_DISABLED",)}
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # never ask a cloud's metadata address
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="scrapeclean-test",
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield S3(endpoint, client)
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def land(folder: Path, paths: list[Path]) -> None:
    folder.mkdir(exist_ok=True)
    for path in paths:
        shutil.copy(path, folder / path.name)


def committed(s3: S3, prefix: str) -> dict[str, list[dict[str, object]]]:
    """The rows of every file the committed manifests name, read with pyarrow's S3 filesystem,
    as a reader that trusts only those does (docs/object-stores.md)."""
    names = s3.keys(prefix)
    manifests = ["manifest.json"] if "manifest.json" in names else []
    manifests += [name for name in names if name.startswith("manifests/")]
    published = [path for name in manifests for path in s3.json(f"{prefix}/{name}")["published"]]
    rows = {}
    for kind in ("articles", "rejects"):
        files = [f"{BUCKET}/{prefix}/{path}" for path in published if path.startswith(f"{kind}/")]
        dataset = ds.dataset(files, filesystem=s3.arrow(), format="parquet")
        rows[kind] = dataset.to_table().sort_by("source").to_pylist()
    return rows


def test_a_batch_run_reads_s3_and_publishes_to_s3(
    s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.upload(TEXT_SEEDS, "batch/in")
    output = f"s3://{BUCKET}/batch/out"
    command = ["run", "--quiet", "--input", f"s3://{BUCKET}/batch/in/*.txt", "--output", output]
    assert main([*command, *s3.beam_args]) == 0

    names = s3.keys("batch/out")
    assert not [name for name in names if name.startswith("_staging-") or name == LOCK]
    manifest = s3.json("batch/out/manifest.json")
    counts = manifest["counts"]
    assert counts == {"documents_in": 7, "articles": 4, "rejects": 3, "balanced": True}
    assert s3.json("batch/out/_SUCCESS") == {"manifest": "manifest.json"}
    data = sorted(name for name in names if name.endswith(".parquet"))
    assert data == manifest["published"]  # exactly the committed files, nothing else
    arrow = s3.arrow()
    for kind, schema, rows in (("articles", ARTICLE_SCHEMA, 4), ("rejects", REJECT_SCHEMA, 3)):
        table = ds.dataset(f"{BUCKET}/batch/out/{kind}", filesystem=arrow, format="parquet")
        assert table.schema.equals(schema, check_metadata=False)
        assert table.count_rows() == rows
    headlines = [row["headline"] for row in committed(s3, "batch/out")["articles"]]
    assert any(headline.startswith("US–Russia Peace Talks in Florida") for headline in headlines)

    # docs/object-stores.md's recipe: the files the manifest names, hive-aware, then DuckDB
    # and datasets over the same pyarrow dataset.
    root = f"{BUCKET}/batch/out"
    files = [f"{root}/{path}" for path in manifest["published"] if path.startswith("articles/")]
    articles = ds.dataset(
        files,
        filesystem=arrow,
        format="parquet",
        partitioning="hive",
        partition_base_dir=f"{root}/articles",
    )
    assert duckdb.sql("SELECT count(*) FROM articles").fetchall() == [(4,)]
    assert sorted(Dataset(articles.to_table())["headline"]) == sorted(headlines)

    capsys.readouterr()  # inspect and report read the output where it is, with Beam's options
    assert main(["inspect", output, "--limit", "1", *s3.beam_args]) == 0
    assert "doc_id" in capsys.readouterr().out
    assert main(["report", output, *s3.beam_args]) == 0
    assert capsys.readouterr().out.strip() == f"{output}/report.html"
    assert "report.html" in s3.keys("batch/out")
    text = json.dumps(manifest)
    assert SECRET not in text and s3.endpoint not in text
    assert "--s3_secret_access_key=<redacted>" in manifest["beam_args"]


# Run in a subprocess: move the first staged file into the output, then die as a killed process
# does, with the lock, the staging folder and half of a publish left behind.
KILLED_MID_PUBLISH = """
import os, signal, sys
from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job import outputdir
real_move = outputdir.move
def move_one_then_die(sources, targets):
    real_move(sources[:1], targets[:1])
    os.kill(os.getpid(), signal.SIGKILL)
outputdir.move = move_one_then_die
sys.exit(main(sys.argv[1:]))
"""


def test_incremental_runs_publish_each_input_once_and_survive_a_kill(
    s3: S3, tmp_path: Path
) -> None:
    # Local inputs: the output is what is on trial here, and each S3 input costs the ledger a
    # listing and a hash read besides the run's own (docs/object-stores.md, measured costs).
    landing, output = tmp_path / "landing", f"s3://{BUCKET}/incr/out"
    command = ["run", "--quiet", "--incremental", "--input", str(landing / "*.txt")]
    command += ["--output", output, *s3.beam_args]
    land(landing, TEXT_SEEDS[:2])
    assert main([*command, "--run-id", "first"]) == 0
    first = committed(s3, "incr/out")

    land(landing, TEXT_SEEDS[2:4])
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_PUBLISH, *command, "--run-id", "killed"],
        capture_output=True,
    )
    assert killed.returncode == -signal.SIGKILL
    names = s3.keys("incr/out")
    assert any(name.startswith("articles/run=killed/") for name in names)  # half published
    assert LOCK in names and any(name.startswith("_staging-") for name in names)
    assert "manifests/killed.json" not in names and "_SUCCESS" not in names
    assert committed(s3, "incr/out") == first  # the committed runs, whole and readable

    assert main([*command, "--run-id", "second"]) == 0  # takes the dead run's lock over
    names = s3.keys("incr/out")
    assert not [n for n in names if "run=killed" in n or n.startswith("_staging-") or n == LOCK]
    assert sorted(n for n in names if n.startswith("manifests/")) == [
        "manifests/first.json",
        "manifests/second.json",
    ]
    rows = committed(s3, "incr/out")
    sources = [row["source"] for kind in rows.values() for row in kind]
    assert sorted(sources) == sorted(str(landing / path.name) for path in TEXT_SEEDS[:4])
    manifests = [s3.json(f"incr/out/manifests/{run}.json") for run in ("first", "second")]
    ledger = [entry["path"] for manifest in manifests for entry in manifest["files"]]
    assert sorted(ledger) == sorted(sources)  # every input read once, by one committed run
    assert [run["run_id"] for run in s3.json("incr/out/runs.json")["runs"]] == ["first", "second"]
    assert s3.json("incr/out/_SUCCESS") == {"manifest": "manifests/second.json"}


def test_a_prefix_holding_objects_we_did_not_write_is_refused(
    s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.client.put_object(Bucket=BUCKET, Key="theirs/out/notes.txt", Body=b"mine")  # type: ignore[attr-defined]
    command = ["run", "--input", str(SEEDS / "*.txt"), "--output", f"s3://{BUCKET}/theirs/out"]
    assert main([*command, *s3.beam_args]) == 2
    assert "'notes.txt'" in capsys.readouterr().err
    assert s3.keys("theirs/out") == ["notes.txt"]


def test_a_second_run_on_a_locked_prefix_is_refused(
    s3: S3, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = {  # a live run: this process, its lease running
        "written_by": "scrapeclean",
        "token": "other-run",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "expires": 4102444800.0 + LEASE_SECONDS,
    }
    body = json.dumps(holder).encode()
    s3.client.put_object(Bucket=BUCKET, Key=f"busy/out/{LOCK}", Body=body)  # type: ignore[attr-defined]
    command = ["run", "--input", str(SEEDS / "*.txt"), "--output", f"s3://{BUCKET}/busy/out"]
    assert main([*command, *s3.beam_args]) == 2
    assert "another scrapeclean run" in capsys.readouterr().err
    assert s3.keys("busy/out") == [LOCK]
    assert (
        json.loads(s3.client.get_object(Bucket=BUCKET, Key=f"busy/out/{LOCK}")["Body"].read())
        == holder
    )  # type: ignore[attr-defined]
