"""`scrapeclean inspect` on a real seeds run and `scrapeclean explain` on single seeds: what they
print, the --where filters, and one-line usage errors with exit status 2."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job.config import load_config
from scrapeclean.pipeline.tools import explain
from scrapeclean.pipeline.tools.explain_diff import visible
from scrapeclean.transforms.text.stages import decode_file
from tests.conftest import SEEDS
from tests.transforms.test_linemodel import HEADLINE_TEXT as HEADLINE
from tests.transforms.test_linemodel import PARAGRAPHS, RELATED, TOP_CHROME

USER_SEED = SEEDS / "000_05c8e702dea443c3.txt"
MOJIBAKE_SEED = SEEDS / "002_mojibake_entities.txt"


def cli(*argv: str) -> int:
    """The real command line, in-process: UsageError -> one line on stderr, exit 2."""
    return main(list(argv))


@pytest.fixture(scope="module")
def seeds_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("inspect") / "out"
    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(output)]) == 0
    return output


def run_ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli(*argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_inspect_prints_articles(seeds_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "inspect", str(seeds_output))
    assert out.count("\n── ") + out.startswith("── ") == 5
    assert "US–Russia Peace Talks in Florida ‘Proceeding Constructively,’ Kremlin Envoy Says" in out
    for label in ("doc_id", "source", "summary", "lead", "body", "credits", "fixes", "removed"):
        assert f"\n{label:<10} " in out
    assert "- Help us improve." in out
    assert re.search(r"\ndoc_id     [0-9a-f]{32}\n", out)
    assert out.rstrip().endswith("5 articles shown")


def test_inspect_body_is_an_excerpt(seeds_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "inspect", str(seeds_output), "--where", "source~000_05c8")
    assert "Ushakov said, according to Reuters." not in out  # the end of the long body
    assert " …\n" in out


def test_inspect_rejects(seeds_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "inspect", str(seeds_output), "--rejects")
    for reason in ("binary", "empty", "too_short"):
        assert f"\nreason     {reason}\n" in out
    assert "Live: Election Night Results" in out  # raw excerpt of the stub
    assert "89 50 4e 47" in out  # the binary junk as hex
    assert out.rstrip().endswith("3 rejects shown")


@pytest.mark.parametrize(
    ("where", "expected", "count"),
    [
        (["reason=too_short"], "seeds/007_stub.txt", 1),
        (["reason=too_short", "source~STUB"], "7 words < 30", 1),
        (["source~binary"], "NUL or control bytes", 1),
    ],
)
def test_inspect_rejects_where(
    seeds_output: Path,
    capsys: pytest.CaptureFixture[str],
    where: list[str],
    expected: str,
    count: int,
) -> None:
    argv = [arg for term in where for arg in ("--where", term)]
    out = run_ok(capsys, "inspect", str(seeds_output), "--rejects", *argv)
    assert expected in out and out.count("\nreason ") == count


@pytest.mark.parametrize(
    ("where", "headlines"),
    [
        (["fixes=mojibake"], ["Scientists Map the Deepest Coral Reef"]),
        (["source~MOJIBAKE"], ["Scientists Map the Deepest Coral Reef"]),
        ([f"site={SEEDS}", "boilerplate_removed=Mehr zum Thema"], ["Bahnstreik legt"]),
        (
            ["input_format=text", "credits~editing by"],
            ["Global Wheat Prices", "City Council Approves"],
        ),
        (["url=", "fixes=transcoded"], ["Bahnstreik legt"]),  # an empty value matches nulls
        (["site=example.com"], []),
    ],
)
def test_inspect_where_filters_articles(
    seeds_output: Path, capsys: pytest.CaptureFixture[str], where: list[str], headlines: list[str]
) -> None:
    argv = [arg for term in where for arg in ("--where", term)]
    out = run_ok(capsys, "inspect", str(seeds_output), *argv)
    assert out.count("\nlead ") == len(headlines)
    assert all(headline in out for headline in headlines)
    if not headlines:
        assert out.strip() == f"no articles matching {' and '.join(where)}"


@pytest.mark.parametrize(
    ("where", "keep"),
    [
        ("n_words>100", lambda row: row["n_words"] > 100),
        ("n_words<=100", lambda row: row["n_words"] <= 100),
        ("n_words >= 121", lambda row: row["n_words"] >= 121),
        ("language!=en", lambda row: row["language"] != "en"),
    ],
)
def test_inspect_where_compares(
    seeds_output: Path, capsys: pytest.CaptureFixture[str], where: str, keep: Any
) -> None:
    rows = pq.read_table(seeds_output / "articles").to_pylist()
    wanted = sorted(row["doc_id"] for row in rows if keep(row))
    assert 0 < len(wanted) < len(rows)  # the seeds make each term choose
    out = run_ok(capsys, "inspect", str(seeds_output), "--where", where, "--limit", "10")
    assert sorted(re.findall(r"\ndoc_id     ([0-9a-f]{32})\n", out)) == wanted


def test_inspect_limit(seeds_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "inspect", str(seeds_output), "--limit", "2")
    assert out.count("\nlead ") == 2
    assert out.rstrip().endswith("2 articles shown; more match (raise --limit)")


def test_explain_user_seed(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "explain", str(USER_SEED))
    assert "\x1b[" not in out  # captured stdout is not a terminal: no colour
    boilerplate = out.split("━━ boilerplate ━━")[1].split("━━ ")[0]
    assert boilerplate.startswith(" 1 boilerplate line removed\n  - Help us improve.   [catalog]\n")
    assert "\n  -Help us improve.\n" in boilerplate  # in the diff too
    segment = out.split("━━ segment ━━")[1].split("━━ ")[0]
    assert "Kremlin Envoy Says   → headline" in segment
    result = out.split("━━ result: Article ━━")[1]
    assert "  headline             US–Russia Peace Talks in Florida" in result
    assert "  summary              Russian investment chief Kirill Dmitriev said weekend" in result
    assert (
        "  lead                 Russian investment chief Kirill Dmitriev said reporters" in result
    )
    assert "\n  boilerplate_removed  Help us improve.\n" in result  # a line, not a list repr
    assert "\n  split                train\n" in result  # the split step is on by default


def test_explain_says_why_the_line_model_removed_a_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text("\n".join([*TOP_CHROME, HEADLINE, *PARAGRAPHS, *RELATED]), encoding="utf-8")
    out = run_ok(capsys, "explain", str(dump))
    boilerplate = out.split("━━ boilerplate ━━")[1].split("━━ ")[0]
    reasons = re.findall(r"\n  - (.*?)   \[(catalog|chrome[^\]]*)\]", boilerplate)
    assert ("Related stories", "catalog") in reasons  # the catalog holds "related stories"
    assert any(line == "Port of Antwerp strike enters its second week" for line, _ in reasons)
    assert all(
        re.fullmatch(r"catalog|chrome (by place \(p )?\d\.\d\d\)?", why) for _, why in reasons
    )


def test_explain_mojibake_seed(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "explain", str(MOJIBAKE_SEED))
    repair = out.split("━━ repair ━━")[1].split("━━ ")[0]
    assert repair.startswith(" fixes added: html_entities, html_tags, mojibake\n")
    assert "  -By Laura GÃ³mez and Peter Olsen\n" in repair
    assert "  +By Laura Gómez and Peter Olsen\n" in repair
    assert "fixes                html_entities, html_tags, mojibake" in out


def test_explain_reject_and_config_override(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(capsys, "explain", str(SEEDS / "007_stub.txt"))
    assert "━━ validate ━━ REJECT too_short: 7 words < 30" in out and "━━ result: Reject ━━" in out
    out = run_ok(capsys, "explain", str(SEEDS / "007_stub.txt"), "--set", "validate.min_words=5")
    assert "━━ result: Article ━━" in out
    out = run_ok(capsys, "explain", str(SEEDS / "005_binary_junk.txt"))
    assert "━━ decode ━━ REJECT binary" in out and "89 50 4e 47" in out


def test_explain_reads_a_page_saved_as_php_as_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "story.php"
    page.write_bytes((Path(__file__).parents[1] / "fixtures/html/news_page.html").read_bytes())
    result = run_ok(capsys, "explain", str(page)).split("━━ result: Article ━━")[1]
    assert "  headline             Harbour bridge reopens after two-year repair" in result
    assert "  input_format         html" in result


def test_explain_colours_only_on_request() -> None:
    config = load_config()
    record = decode_file(MOJIBAKE_SEED.read_bytes(), "x.txt", "text", config)
    coloured = explain.render(explain.trace(record, config), "format text", color=True)
    assert "\x1b[31m-By Laura GÃ³mez" in coloured and "\x1b[32m+By Laura Gómez" in coloured


def test_visible_shows_invisible_characters() -> None:
    assert visible("a\u00a0b\u200b\r  ") == "a<U+00A0>b<U+200B>␍··"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["inspect", "{out}", "--where", "nonsense"], "expected COLUMN=VALUE, COLUMN!=VALUE"),
        (["inspect", "{out}", "--where", "n_words>lots"], "'lots' is not a number"),
        (["inspect", "{out}", "--where", "headline<3"], "headline is not a numeric column"),
        (["inspect", "{out}", "--where", "colour=red"], "no column 'colour' in articles"),
        (["inspect", "{out}", "--rejects", "--where", "headline=x"], "no column 'headline'"),
        (["inspect", "{out}", "--limit", "0"], "'0' is not >= 1"),
        (["inspect", "{tmp}/missing"], "does not exist"),
        (["inspect", "{tmp}"], "is not a scrapeclean output"),
        (["explain", "{tmp}/missing.txt"], "does not exist"),
        (["explain", "{tmp}"], "not a regular file"),
        (["explain", str(USER_SEED), "--set", "validate.min_wrods=3"], "unknown key"),
        (["explain", str(USER_SEED), "--config", "{tmp}/none.yaml"], "cannot read config"),
        (["explain", str(USER_SEED), "--format", "jsonl"], "one document per line"),
        (["report", "{tmp}"], "is not a scrapeclean output"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    argv: list[str],
    message: str,
    seeds_output: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    filled = [arg.format(out=seeds_output, tmp=tmp_path) for arg in argv]
    assert cli(*filled) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"scrapeclean {filled[0]}: error: ")
    assert captured.err.count("\n") == 1
    assert message in captured.err


def test_inspect_never_prints_control_sequences_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "red\x1b[31m\nname.txt").write_bytes(USER_SEED.read_bytes())
    (inputs / "beep\x07.txt").write_bytes(b"\x00binary")
    output = tmp_path / "out"
    assert main(["run", "--input", str(inputs / "*"), "--output", str(output), "--quiet"]) == 0
    capsys.readouterr()
    out = run_ok(capsys, "inspect", str(output)) + run_ok(
        capsys, "inspect", str(output), "--rejects"
    )
    assert "\x1b" not in out and "\x07" not in out
    assert "red␛[31m␊name.txt" in out and "beep␇.txt" in out
