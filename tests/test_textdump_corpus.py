"""Tests for the labelled text-dump corpus generator and its scorer (scripts/).

They check that the corpus is deterministic, that the source articles meet the corpus rules,
and that every file's labels agree with its bytes: undoing the noise with a small reference
cleaner must give back exactly the labelled article lines and boilerplate lines, in order.
The pipeline's accuracy on the corpus is not tested here.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import ftfy
import ftfy.badness
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
COUNT = 240
SEED = 7
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
_INLINE_TAG = re.compile(r"</?(?:a|b|em|i|span|strong)(?:\s[^<>]*)?>")
_BLOCK_TAG = re.compile(r"</?(?:p|br)\s*/?>")


def load_script(name: str) -> ModuleType:
    """Import a module from scripts/ by file path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


gen = load_script("make_textdump_corpus")
scorer = load_script("score_textdump")


def read_labels(corpus: Path) -> list[dict[str, Any]]:
    """Read a corpus's labels.jsonl."""
    lines = (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the default corpus once for the module."""
    out = tmp_path_factory.mktemp("textdump")
    assert gen.main(["--out", str(out), "--count", str(COUNT), "--seed", str(SEED)]) == 0
    return out


@pytest.fixture(scope="module")
def labels(corpus: Path) -> list[dict[str, Any]]:
    """The default corpus's labels."""
    return read_labels(corpus)


@pytest.fixture(scope="module")
def articles() -> dict[str, Any]:
    """Source articles by id."""
    return {article.id: article for article in gen.load_articles()}


def reference_clean(data: bytes, noise: list[str]) -> list[str]:
    """Undo the generator's noise and return the non-blank lines, trimmed."""
    text = data.decode("cp1252") if "cp1252" in noise else data.decode("utf-8")
    text = text.removeprefix("\ufeff")
    if "mojibake" in noise:
        text = ftfy.fix_encoding(text)
    text = _BLOCK_TAG.sub("\n", _INLINE_TAG.sub("", text.replace("\r\n", "\n")))
    text = _ENTITY.sub(lambda match: html.unescape(match.group()), text)
    text = text.replace("\u200b", "").replace("\u00a0", " ")
    return [line.rstrip(" \t") for line in text.split("\n") if line.strip(" \t")]


def expected_content(label: dict[str, Any], article: Any) -> list[str]:
    """Return the article lines a file should contain, in document order."""
    head = [label["headline"]]
    if label["layout"]["byline"]:
        head.append(article.byline)
    order = label["layout"]["order"]
    if order == "summary_first":
        head = [label["summary"], *head]
    elif order == "headline_summary":
        head = [*head, label["summary"]]
    return [*head, *article.paragraphs, *article.credits]


def test_generator_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    """The same seed and count give byte-identical files and labels."""
    again = tmp_path / "again"
    assert gen.main(["--out", str(again), "--count", str(COUNT), "--seed", str(SEED)]) == 0
    first = {p.name: p.read_bytes() for p in corpus.iterdir()}
    second = {p.name: p.read_bytes() for p in again.iterdir()}
    assert first == second
    assert len(first) == COUNT + 1


def test_other_seed_differs() -> None:
    """A different seed gives a different corpus."""
    assert [d.data for d in gen.generate(20, SEED)] != [d.data for d in gen.generate(20, 8)]


def test_refuses_to_mix_with_old_corpus(corpus: Path) -> None:
    """Writing into a directory that already holds dumps needs --force."""
    assert gen.main(["--out", str(corpus), "--count", "3"]) == 2
    assert len(read_labels(corpus)) == COUNT


def test_articles_follow_corpus_rules(articles: dict[str, Any]) -> None:
    """Headlines, summaries, paragraphs and credits have the shapes the corpus promises."""
    assert len(articles) >= 40
    for article in articles.values():
        assert 4 <= len(article.headline.split()) <= 16, article.id
        assert not article.headline.endswith("."), article.id
        if article.summary is not None:
            assert 15 <= len(article.summary.split()) <= 45, article.id
            assert article.summary != article.paragraphs[0], article.id
        assert 4 <= len(article.paragraphs) <= 9, article.id
        for paragraph in article.paragraphs:
            assert 20 <= len(paragraph.split()) <= 80, (article.id, paragraph)
            assert re.search(r"[.!?][\"”’]?$", paragraph), (article.id, paragraph)
        assert len(article.credits) <= 2, article.id
    no_summary = sum(a.summary is None for a in articles.values()) / len(articles)
    with_byline = sum(a.byline is not None for a in articles.values()) / len(articles)
    assert 0.2 <= no_summary <= 0.4
    assert 0.15 <= with_byline <= 0.35


def test_articles_are_clean_nfc_text(articles: dict[str, Any]) -> None:
    """Source text is NFC, free of mojibake and free of every boilerplate phrase."""
    raw = gen.ARTICLES_PATH.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    for article in articles.values():
        fields = [article.headline, article.summary or "", *article.paragraphs]
        text = "\n".join([*fields, *article.credits, article.byline or ""])
        assert not ftfy.badness.is_bad(text), article.id
        assert not re.search(r"[<>\u00a0\u200b\ufeff]|&\w+;", text), article.id
        for phrase in gen.BOILERPLATE:
            assert phrase.casefold() not in text.casefold(), (article.id, phrase)


def test_labels_match_source_articles(
    labels: list[dict[str, Any]], articles: dict[str, Any]
) -> None:
    """Each label's fields are the clean fields of the article it cycles to."""
    assert len(labels) == COUNT
    assert len({label["file"] for label in labels}) == COUNT
    ids = list(articles)
    for index, label in enumerate(labels):
        article = articles[label["article"]]
        assert label["article"] == ids[index % len(ids)]
        assert label["headline"] == article.headline
        assert label["lead"] == article.paragraphs[0]
        assert label["lead"] in article.paragraphs
        assert label["body"] == "\n\n".join(article.paragraphs[1:])
        if label["layout"]["order"] == "headline_only":
            assert label["summary"] is None
        else:
            assert article.summary is not None
            assert label["summary"] == article.summary
        byline = [article.byline] if label["layout"]["byline"] else []
        assert label["credits"] == ("\n".join([*byline, *article.credits]) or None)
        assert set(label["boilerplate"]) <= set(gen.BOILERPLATE)
        assert set(label["noise"]) <= set(gen.NOISE_KINDS)
        assert not {"mojibake", "cp1252"} <= set(label["noise"])


def test_noise_is_reversible(
    corpus: Path, labels: list[dict[str, Any]], articles: dict[str, Any]
) -> None:
    """Undoing the noise gives back exactly the labelled lines, boilerplate set apart."""
    for label in labels:
        lines = reference_clean((corpus / label["file"]).read_bytes(), label["noise"])
        boilerplate = [line for line in lines if line in gen.BOILERPLATE]
        content = [line for line in lines if line not in gen.BOILERPLATE]
        assert boilerplate == label["boilerplate"], label["file"]
        assert content == expected_content(label, articles[label["article"]]), label["file"]


def test_layouts_and_noise_are_varied(labels: list[dict[str, Any]]) -> None:
    """Every layout and noise kind shows up, each noise kind in a fair share of files."""
    orders = Counter(label["layout"]["order"] for label in labels)
    assert set(orders) == set(gen.ORDERS)
    assert {label["layout"]["paragraph_sep"] for label in labels} == set(gen.SEPARATORS)
    assert any(label["layout"]["byline"] for label in labels)
    noise = Counter(kind for label in labels for kind in label["noise"])
    for kind in gen.NOISE_KINDS:
        assert 0.1 <= noise[kind] / len(labels) <= 0.4, kind
    assert sum(len(label["noise"]) >= 2 for label in labels) > len(labels) / 2


def oracle_rows(labels: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows a perfect pipeline would output for the labels."""
    fields = ("headline", "summary", "lead", "body", "credits")
    return {label["file"]: {f: label[f] for f in fields} for label in labels}


def test_scorer_perfect_output_passes(labels: list[dict[str, Any]]) -> None:
    """The labels themselves score perfectly and pass --check."""
    metrics = scorer.score(oracle_rows(labels), labels)
    for field in ("headline", "summary", "lead", "credits", "body_f1"):
        assert metrics[field] == 1.0, field
    assert metrics["leak_rate"] == 0.0
    assert metrics["mojibake_residue"] == 0
    assert scorer.check(metrics) == []


def test_scorer_counts_errors(labels: list[dict[str, Any]]) -> None:
    """Rejects, missing rows, leaks and mojibake each lower the right metric."""
    rows = oracle_rows(labels)
    first, second, third = (label["file"] for label in labels[:3])
    rows[first] = {"source": first, "reason": "duplicate", "detail": "kept another"}
    del rows[second]
    leaky = next(label for label in labels[3:] if label["boilerplate"])
    rows[leaky["file"]]["body"] += "\n\n" + leaky["boilerplate"][0]
    rows[third]["lead"] = rows[third]["lead"].replace("—", "â€”")
    metrics = scorer.score(rows, labels)
    assert (metrics["rejects"], metrics["missing"]) == (1, 1)
    assert metrics["headline"] == pytest.approx((COUNT - 2) / COUNT)
    assert metrics["lead"] == pytest.approx((COUNT - 3) / COUNT)
    assert metrics["boilerplate_leaked"] == 1
    assert metrics["mojibake_residue"] == 1
    assert scorer.check(metrics)
    skipped = scorer.score(rows, labels, ignore_duplicate_rejects=True)
    assert skipped["scored"] == COUNT - 1
