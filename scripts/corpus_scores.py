"""Scores of the corpus steps' output against make_site_corpus.py's labels (bench_corpus score).

Pure functions of the records (Articles and Rejects, one per file that reached the corpus
steps) and the labels; nothing here runs the steps, so the same scores apply to any version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from scrapeclean.transforms.records import Article, Reject
from scripts.make_site_corpus import jaccard

DUPLICATE_REASONS = ("duplicate", "near_duplicate")
FAMILY_VARIANTS = ("reposted", "reworded")  # copies of one article on its own site
GLITCH_VARIANTS = ("glitch_repeated", "glitch_unpunctuated")


def roots(records: Sequence[Article | Reject]) -> dict[str, str]:
    """source -> source of the record a file ended with: the detail of a duplicate reject,
    followed until it names a record that is not a duplicate (itself when not a duplicate)."""
    source = {r.doc_id: r.source for r in records}
    parent = {
        r.doc_id: r.detail
        for r in records
        if isinstance(r, Reject) and r.reason in DUPLICATE_REASONS
    }
    found = {}
    for doc_id in source:
        root, hops = doc_id, 0
        while root in parent and hops <= len(parent):  # a cycle would be a bug: stop anyway
            root, hops = parent[root], hops + 1
        found[source[doc_id]] = source.get(root, root)
    return found


def reached_dedup(records: Sequence[Article | Reject], earlier: set[str]) -> set[str]:
    """Sources of the records dedup decided on: all but the rejects of the steps before it,
    whose reasons are ``earlier`` (the order being scored says which those are)."""
    return {r.source for r in records if isinstance(r, Article) or r.reason not in earlier}


def duplicate_scores(records: Sequence[Article | Reject], labels: dict) -> dict:
    """Every duplicate reject against the survivor its detail names: their true Jaccard, and
    whether that survivor was published."""
    by_id = {r.doc_id: r for r in records}
    rejected = [r for r in records if isinstance(r, Reject) and r.reason in DUPLICATE_REASONS]
    similarity, unpublished = [], 0
    for reject in rejected:
        survivor = by_id.get(reject.detail)
        if not isinstance(survivor, Article):
            unpublished += 1
        if survivor is not None:
            text = labels[survivor.source]["text"]
            similarity.append(jaccard(labels[reject.source]["text"], text))
    below = sum(j < 0.5 for j in similarity)
    return {
        "rejected_duplicates": len(rejected),
        "below_0.5_with_survivor": below,
        "below_0.5_share": round(below / max(len(rejected), 1), 4),
        "min_jaccard_with_survivor": round(min(similarity, default=1.0), 4),
        "survivor_not_published": unpublished,
    }


def pair_scores(pairs: list[dict], found: dict[str, str], labels: dict, seen: set[str]) -> dict:
    """Planted pairs (both files reached dedup) that ended with the same record, by true
    Jaccard; exact recall is over pairs of identical article text; ``chain`` counts the pairs
    at J >= 0.85 with a chain copy in them."""
    bands = {">=0.85": (0.85, 2.0), "0.8-0.85": (0.8, 0.85), "0.5-0.8": (0.5, 0.8),
             "<0.5": (0, 0.5)}  # fmt: skip
    same = {name: [0, 0] for name in (*bands, "exact", "chain")}
    for pair in pairs:
        a, b = pair["a"], pair["b"]
        if a not in seen or b not in seen:
            continue
        together = found[a] == found[b]
        names = [name for name, (low, high) in bands.items() if low <= pair["jaccard"] < high]
        if labels[a]["text"] == labels[b]["text"]:
            names.append("exact")
        if pair["jaccard"] >= 0.85 and "chain" in (labels[a]["variant"], labels[b]["variant"]):
            names.append("chain")
        for name in names:
            same[name][0] += together
            same[name][1] += 1
    outside = [same[">=0.85"][0] - same["chain"][0], same[">=0.85"][1] - same["chain"][1]]
    return {
        "same_record_by_true_jaccard": {k: f"{v[0]}/{v[1]}" for k, v in same.items()},
        "exact_recall": _share(same["exact"]),
        "near_recall_at_0.85": _share(same[">=0.85"]),
        # A chain's neighbours at J >= 0.85 go to different survivors by design (no chains)
        "near_recall_at_0.85_outside_chains": _share(outside),
    }


def _share(counts: Sequence[int]) -> float:
    return round(counts[0] / max(counts[1], 1), 4)


def family_scores(records: Sequence[Article | Reject], labels: dict) -> dict:
    """Articles copied on their own site (reposted six times, reworded eight times): how many
    of them have no page published at all (the site step took their lines for chrome), and how
    many of their own lines the published pages of the family lost."""
    families: dict[str, list[str]] = defaultdict(list)
    for path, row in labels.items():
        if row["variant"] in FAMILY_VARIANTS:
            families[row["base"]].append(path)
    published: dict[str, int] = defaultdict(int)
    for record in records:
        if isinstance(record, Article):
            published[labels[record.source]["base"]] += 1
    by_source = {r.source: r for r in records}
    lines_lost = 0
    for paths in families.values():
        for article in (by_source.get(p) for p in paths):
            if isinstance(article, Article):
                own = set(labels[article.source]["text"].split("\n"))
                lines_lost += len(own & set(article.boilerplate_removed))
    return {"articles_with_families": len(families),
            "articles_with_nothing_published": sum(not published[b] for b in families),
            "family_lines_taken_as_chrome": lines_lost}  # fmt: skip


def glitch_scores(records: Sequence[Article | Reject], labels: dict) -> dict:
    """Copies spoilt by a scraper glitch: how many were published (none should be)."""
    glitched = [r for r in records if labels[r.source]["variant"] in GLITCH_VARIANTS]
    published = sum(isinstance(r, Article) for r in glitched)
    return {"glitched_copies": len(glitched), "glitched_published": published}
