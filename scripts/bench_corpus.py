"""Measure the corpus-level steps (issue 6): accuracy on a labelled site corpus, and speed.

``score``: run the per-document chain on ``make_site_corpus.py`` output, then the corpus steps
(site lines, dedup, near dedup, quality, split), and compare with the labels: near-duplicate
pair recall by true Jaccard, merges below 0.5, chrome lines removed, content lines lost, junk
page reasons. ``--beam`` also runs ``CleanCorpus`` on the FnApiRunner and checks it agrees.

``speed``: time the corpus steps over N synthetic seed-sized articles, as a plain Python loop
and as a TestPipeline on the FnApiRunner (articles generated inside the pipeline, not Created);
each run is a subprocess so its peak RSS (``ru_maxrss``) is its own.

``cost``: the issue's cost target, end to end. Writes N of those articles as text dumps (one
folder per site), runs the real CLI with configs/default.yaml and with configs/training.yaml
(every corpus step on), and prints wall time, CPU time (user + sys of the process tree) and
the peak RSS of the whole process tree of each (scripts/measure.py), medians of ``--repeat``
runs (default and training alternate), and the ratios training / default: the medians of the
per-pair ratios, by wall and by CPU (the CPU ratio holds on a machine other work slows down).

Usage::

    python scripts/make_site_corpus.py --out /tmp/sites
    python -m scripts.bench_corpus score --corpus /tmp/sites [--beam] [--interplay]
    python -m scripts.bench_corpus speed --docs 10000 --docs 100000
    python -m scripts.bench_corpus cost --docs 100000 [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.corpus.dedup import DedupConfig
from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.corpus.quality import (
    QUALITY_RULES,
    LanguageFilterConfig,
    QualityConfig,
    check_quality,
    filter_language,
)
from scrapeclean.transforms.corpus.sitelines import SiteLinesConfig, strip_corpus
from scrapeclean.transforms.corpus.split import SplitConfig, assign_split
from scrapeclean.transforms.corpus.survivors import dedup_corpus
from scrapeclean.transforms.records import Article, Reject
from scrapeclean.transforms.text.stages import clean_bytes
from scrapeclean.transforms.text.words import content_hash
from scripts import corpus_scores as scores
from scripts.make_site_corpus import ARTICLES_PATH, mixed_text

SECTIONS = (
    SiteLinesConfig(enabled=True),
    DedupConfig(enabled=True),
    NearDupConfig(enabled=True),
    QualityConfig(enabled=True),  # configs/training.yaml's setting
    LanguageFilterConfig(),
    SplitConfig(),
)
# Reject reasons given before dedup decides (in clean_corpus' order): those files never reach it.
BEFORE_DEDUP = {"empty", "internal_error", "language_filtered", *QUALITY_RULES}


def clean_corpus(
    articles: Iterable[Article], dedup_unstripped: bool = False
) -> tuple[list[Article | Reject], dict]:
    """The corpus steps as a plain loop over the pure functions, in CleanCorpus' order.

    ``dedup_unstripped`` (``score --interplay``): dedup compares the articles as they were
    before the site step took their chrome out, the order the steps had before issue 21.
    """
    sitelines, dedup, near, quality, language, split = SECTIONS
    articles = list(articles)
    stripped, top = strip_corpus(articles, sitelines)
    records, passed = [], []
    for record in stripped:
        for step, section in ((check_quality, quality), (filter_language, language)):
            record = record if isinstance(record, Reject) else step(record, section)
        (records if isinstance(record, Reject) else passed).append(record)
    compared = passed
    if dedup_unstripped:
        unstripped = {article.doc_id: article for article in articles}
        compared = [unstripped[article.doc_id] for article in passed]
    for article, record in zip(passed, dedup_corpus(compared, dedup, near), strict=True):
        if isinstance(record, Article):
            copies = {"exact_copies": record.exact_copies, "near_copies": record.near_copies}
            record = assign_split(replace(article, **copies), split)
        records.append(record)
    return records, top


def score(corpus: Path, beam: bool, interplay: bool) -> dict:
    """Accuracy figures of the corpus steps on a labelled site corpus; with ``interplay``, also
    of the two orders that let chrome and near dedup spoil each other (docs/corpus-steps.md)."""
    labels = {row["path"]: row for row in map(json.loads, (corpus / "labels.jsonl").open())}
    config = load_config()
    articles, upstream = [], 0
    for path in sorted(labels):
        record = clean_bytes((corpus / path).read_bytes(), path, "text", config)
        if isinstance(record, Article):
            articles.append(record)
        else:
            upstream += 1
    records, _top = clean_corpus(articles)
    if beam:
        assert _beam_records(articles) == sorted(map(repr, records)), "Beam != pure loop"
    pairs = [json.loads(line) for line in (corpus / "pairs.jsonl").open()]
    by_path = {r.source: r for r in records}
    result = {
        "files": len(labels),
        "rejected_upstream": upstream,
        **_dedup_scores(records, labels, pairs),
        "site_lines": _line_scores(articles, labels),
        "junk": {p: by_path[p].reason if p in by_path else "upstream" for p in _junk(labels)},
        "beam_agrees": beam or None,
    }
    if interplay:
        with _lines_counted_per_file():
            per_file, _top = clean_corpus(articles)
            per_file_lines = _line_scores(articles, labels)
        unstripped, _top = clean_corpus(articles, dedup_unstripped=True)
        result["interplay"] = {
            "lines_counted_per_file": {
                **_dedup_scores(per_file, labels, pairs),
                "site_lines": per_file_lines,
            },
            "dedup_before_chrome_is_stripped": _dedup_scores(unstripped, labels, pairs),
        }
    return result


def _dedup_scores(records: list[Article | Reject], labels: dict, pairs: list[dict]) -> dict:
    seen = scores.reached_dedup(records, BEFORE_DEDUP)
    return {
        "duplicates": scores.duplicate_scores(records, labels),
        "near_dup_pairs": scores.pair_scores(pairs, scores.roots(records), labels, seen),
        "families": scores.family_scores(records, labels),
        "glitches": scores.glitch_scores(records, labels),
    }


@contextmanager
def _lines_counted_per_file() -> Iterator[None]:
    """Count site lines once per file, as before issue 21: every page its own content key."""
    from scrapeclean.transforms.corpus import sitelines

    shipped = sitelines.content_key
    sitelines.content_key = lambda article, config: sitelines.line_key(article.doc_id)
    try:
        yield
    finally:
        sitelines.content_key = shipped


def _line_scores(articles: list[Article], labels: dict) -> dict:
    """Chrome lines found by the site-line step, and other lines it took (content lost)."""
    stripped, _top = strip_corpus(articles, SECTIONS[0])
    chrome = removed_chrome = lost = 0
    for before, record in zip(articles, stripped, strict=True):
        label = labels[record.source]
        present = {line for line in label["chrome"] if line in before.text.split("\n")}
        chrome += len(present)
        if isinstance(record, Article):  # only this step's removals: catalog lines came before
            removed = set(record.boilerplate_removed[len(before.boilerplate_removed) :])
            removed_chrome += len(present & removed)
            lost += len(removed - set(label["chrome"]))
    return {"chrome_lines": chrome, "chrome_removed": removed_chrome, "content_lines_lost": lost}


def _junk(labels: dict) -> list[str]:
    return sorted(path for path, row in labels.items() if row["kind"].startswith("junk"))


def _beam_records(articles: list[Article]) -> list[str]:
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline

    from scrapeclean.transforms.beam.corpus import CleanCorpus

    out = Path(f"/tmp/bench_corpus_{time.time_ns()}.txt")
    pipeline = TestPipeline(runner="FnApiRunner")
    result = pipeline | beam.Create(articles) | CleanCorpus(*SECTIONS)
    (
        (result.records, result.rejects)
        | beam.Flatten()
        | beam.Map(repr)
        | beam.io.WriteToText(str(out), shard_name_template="", num_shards=1)
    )
    pipeline.run().wait_until_finish()
    rows = sorted(out.read_text(encoding="utf-8").splitlines())
    out.unlink()
    return rows


def synthetic_articles(count: int, seed: int = 1, start: int = 0) -> Iterator[Article]:
    """Seed-sized articles: ~5% exact and ~5% near copies, 50 sites with a footer line each.

    Each original mixes 6 paragraphs of the written articles with 15% of its words replaced,
    so originals are far apart (Jaccard ~0.1) while copies are exact or one word off.
    """
    paragraphs = [p for a in json.loads(ARTICLES_PATH.read_text("utf-8")) for p in a["paragraphs"]]
    vocabulary = sorted({w for p in paragraphs for w in p.split()})
    for index in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + index)
        original = rng.randrange(index) if index and rng.random() < 0.1 else index
        text = mixed_text(random.Random(seed * 7_000_001 + original), paragraphs, vocabulary)
        if original != index and rng.random() < 0.5:  # a near copy: one word changed
            words = text[-1].split()
            words[rng.randrange(len(words))] = "regional"
            text[-1] = " ".join(words)
        site = f"site{index % 50:02d}"
        text.append(f"{site} thanks its readers for their support")
        yield _article(f"{index:012d}", f"/data/{site}/{index}.txt", text)


def _article(doc_id: str, source: str, paragraphs: list[str]) -> Article:
    text = "\n\n".join(paragraphs)
    return Article(
        doc_id=doc_id,
        source=source,
        url=None,
        headline="Headline",
        summary=None,
        lead=paragraphs[0],
        body="\n\n".join(paragraphs[1:]),
        credits=None,
        published=None,
        language=None,
        n_words=len(text.split()),
        content_hash=content_hash(text),
        fixes=(),
        boilerplate_removed=(),
        input_format="text",
        raw=text.encode("utf-8"),  # a text dump's raw bytes are about its text
    )


def speed_once(mode: str, docs: int) -> dict:
    """One timing in this process: docs/s and this process's peak RSS."""
    started = time.perf_counter()
    if mode == "pure":
        records, _top = clean_corpus(synthetic_articles(docs))
        kept = sum(isinstance(r, Article) for r in records)
    else:
        kept = _speed_beam(docs)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "docs": docs, "kept": kept, "seconds": round(seconds, 2),
            "docs_per_s": round(docs / seconds), "peak_rss_mb": round(peak_mb)}  # fmt: skip


def _speed_beam(docs: int) -> int:
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline

    from scrapeclean.transforms.beam.corpus import CleanCorpus

    chunk = 1000
    pipeline = TestPipeline(runner="FnApiRunner")
    result = (
        pipeline
        | beam.Create(list(range(0, docs, chunk)))
        | beam.FlatMap(lambda start: synthetic_articles(min(chunk, docs - start), start=start))
        | CleanCorpus(*SECTIONS)
    )
    counted = result.records | beam.combiners.Count.Globally()
    out = Path(f"/tmp/bench_corpus_count_{time.time_ns()}")
    counted | beam.io.WriteToText(str(out), shard_name_template="", num_shards=1)
    pipeline.run().wait_until_finish()
    kept = int(out.read_text().strip())
    out.unlink()
    return kept


def write_site_dumps(root: Path, count: int, start: int = 0) -> None:
    """``synthetic_articles(count, start=start)`` as text dumps ``root/<site>/<doc_id>.txt``
    (site = folder)."""
    for article in synthetic_articles(count, start=start):
        folder = root / Path(article.source).parent.name
        folder.mkdir(parents=True, exist_ok=True)
        headline = " ".join(article.lead.split()[:9]).rstrip(",.;:")
        dump = f"{headline}\n\n{article.lead}\n\n{article.body}\n"
        (folder / f"{article.doc_id}.txt").write_text(dump, encoding="utf-8")


def cost(docs: int, workers: int, repeat: int, scratch: Path) -> list[dict]:
    """Median wall and tree peak of the CLI with default.yaml and training.yaml on N dumps."""
    import os
    import shutil
    import statistics
    import tempfile

    from scripts.bench_scale import children_cpu
    from scripts.measure import measure

    root = Path(tempfile.mkdtemp(prefix="bench_corpus-", dir=scratch))
    try:
        write_site_dumps(root / "sites", docs)
        runs: dict[str, list[tuple[float, float, float, dict]]] = {"default": [], "training": []}
        for _ in range(repeat):  # interleaved: the machine's speed drifts over minutes
            for profile, profile_runs in runs.items():
                output = root / f"out-{profile}"
                command = [str(Path(sys.executable).parent / "scrapeclean"), "run", "--quiet"]
                command += ["--input", str(root / "sites/*/*.txt"), "--output", str(output)]
                command += ["--config", f"configs/{profile}.yaml"]
                command += ["--workers", str(workers)] if workers > 1 else []
                load, cpu_before = os.getloadavg()[0], children_cpu()
                result = measure(command)
                cpu = children_cpu() - cpu_before
                manifest = json.loads((output / "manifest.json").read_text("utf-8"))
                profile_runs.append((result.seconds, cpu, result.tree_peak_mb, manifest["counts"]))
                shutil.rmtree(output)
                line = f"  {profile}: exit {result.returncode}, {result.seconds:.1f} s, "
                line += f"cpu {cpu:.1f} s, tree peak {result.tree_peak_mb:.0f} MB, load {load:.2f}"
                print(line, file=sys.stderr, flush=True)
        rows = [
            {
                "profile": profile, "docs": docs, "workers": workers, "runs": repeat,
                "wall_s": round(statistics.median(r[0] for r in profile_runs), 1),
                "cpu_s": round(statistics.median(r[1] for r in profile_runs), 1),
                "tree_peak_mb": round(statistics.median(r[2] for r in profile_runs)),
                "articles": profile_runs[0][3]["articles"],
                "rejects": profile_runs[0][3]["rejects"],
            }
            for profile, profile_runs in runs.items()
        ]  # fmt: skip
        # Per pair (a default run, then a training run right after it), then the median: a
        # pair sees about the same machine, so the drift between pairs cancels.
        pairs = list(zip(runs["default"], runs["training"], strict=True))
        walls = [t[0] / d[0] for d, t in pairs]
        cpus = [t[1] / d[1] for d, t in pairs]
        rows.append(
            {
                "training_over_default_wall": round(statistics.median(walls), 2),
                "per_pair": [round(ratio, 2) for ratio in walls],
                "training_over_default_cpu": round(statistics.median(cpus), 2),
                "per_pair_cpu": [round(ratio, 2) for ratio in cpus],
            }
        )
        return rows
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: score a labelled corpus, or time N documents per mode in subprocesses."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    scoring = commands.add_parser("score")
    scoring.add_argument("--corpus", type=Path, required=True)
    scoring.add_argument("--beam", action="store_true")
    scoring.add_argument("--interplay", action="store_true", help="also the orders issue 21 left")
    timing = commands.add_parser("speed")
    timing.add_argument("--docs", type=int, action="append", required=True)
    timing.add_argument("--mode", choices=("pure", "beam", "both"), default="both")
    timing.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    costing = commands.add_parser("cost")
    costing.add_argument("--docs", type=int, default=100_000)
    costing.add_argument("--workers", type=int, default=1)
    costing.add_argument("--repeat", type=int, default=1)
    costing.add_argument("--scratch", type=Path, help="where the corpus goes (default $TMP)")
    args = parser.parse_args(argv)
    if args.command == "cost":
        for row in cost(args.docs, args.workers, args.repeat, args.scratch):
            print(json.dumps(row), flush=True)
    elif args.command == "score":
        print(json.dumps(score(args.corpus, args.beam, args.interplay), indent=2))
    elif args.in_process:
        print(json.dumps(speed_once(args.mode, args.docs[0])))
    else:
        modes = ("pure", "beam") if args.mode == "both" else (args.mode,)
        for docs in args.docs:
            for mode in modes:
                command = [sys.executable, "-m", "scripts.bench_corpus", "speed", "--in-process"]
                command += ["--mode", mode, "--docs", str(docs)]
                run = subprocess.run(command, capture_output=True, text=True, check=True)
                print(run.stdout.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
