"""Golden seeds: the pure chain on every file in seeds/ must give exactly the pinned record.

Re-pin with `pytest tests/test_golden.py --update-golden` and review the diff like code; the
key-sentence checks below keep a careless re-pin from hiding a regression.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.records import Article, Reject
from scrapeclean.transforms.text.stages import clean_bytes
from tests.conftest import SEEDS

GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_FILES = sorted(path for path in SEEDS.iterdir() if path.is_file())
USER_SEED = SEEDS / "000_05c8e702dea443c3.txt"


def as_json(record: Article | Reject) -> dict[str, object]:
    """A record as stable JSON: no raw bytes, tuples as lists, the kind named."""
    data = dataclasses.asdict(record)
    data.pop("raw")
    data["kind"] = type(record).__name__
    return json.loads(json.dumps(data, default=str))


def clean_seed(path: Path, config: RunConfig) -> Article | Reject:
    return clean_bytes(path.read_bytes(), f"seeds/{path.name}", "text", config)


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.name for p in SEED_FILES])
def test_seed_matches_golden(path: Path, config: RunConfig, update_golden: bool) -> None:
    got = as_json(clean_seed(path, config))
    golden = GOLDEN / f"{path.name}.json"
    if update_golden:
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_user_seed_is_split_as_issue_2_requires(config: RunConfig) -> None:
    lines = USER_SEED.read_text(encoding="utf-8").split("\n")
    article = clean_seed(USER_SEED, config)
    assert isinstance(article, Article)
    assert article.summary == lines[0]
    assert article.headline == (
        "US–Russia Peace Talks in Florida ‘Proceeding Constructively,’ Kremlin Envoy Says"
    )
    assert article.lead == lines[2]
    assert article.lead.startswith("Russian investment chief Kirill Dmitriev said reporters")
    assert article.body == "\n\n".join(lines[3:8])
    assert article.credits == (
        "Reporting on the meetings includes contributions from Reuters and The Associated Press."
    )
    assert article.boilerplate_removed == ("Help us improve.",)
    assert not article.body.endswith("\n") and "Help us improve" not in article.text


def test_samples_keep_key_sentences_and_drop_chrome(config: RunConfig) -> None:
    flood = clean_seed(SEEDS / "001_headline_first_crlf.txt", config)
    assert isinstance(flood, Article)
    assert flood.lead.startswith("ROTTERDAM — The city council voted 31 to 14")
    assert "Advertisement" not in flood.text and "\r" not in flood.text
    reef = clean_seed(SEEDS / "002_mojibake_entities.txt", config)
    assert isinstance(reef, Article)
    assert "reef’s sponges" in reef.body and "â€" not in reef.body
    assert "trawling & deep-sea" in reef.body and "<i>" not in reef.body
    strike = clean_seed(SEEDS / "003_cp1252_german.txt", config)
    assert isinstance(strike, Article) and "„Wir wollen niemanden ärgern" in strike.body
    wheat = clean_seed(SEEDS / "004_wire_wrapped.txt.gz", config)
    assert isinstance(wheat, Article)
    assert wheat.lead.endswith("because of a prolonged drought.")
    assert "Editing by" not in wheat.body and "By Tom Hale" in (wheat.credits or "")
