"""RunConfig: every tunable of a run, one frozen section per stage, each section defined beside
the stage that reads it. Pure (no Beam, no YAML): loading it is pipeline/job/config.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrapeclean.transforms.corpus.dedup import DedupConfig
from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.corpus.quality import LanguageFilterConfig, QualityConfig
from scrapeclean.transforms.corpus.sitelines import SiteLinesConfig
from scrapeclean.transforms.corpus.split import SplitConfig
from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.text.boilerplate import BoilerplateConfig
from scrapeclean.transforms.text.decode import ReadConfig
from scrapeclean.transforms.text.formats import JsonlConfig
from scrapeclean.transforms.text.language import LanguageConfig
from scrapeclean.transforms.text.repair import RepairConfig
from scrapeclean.transforms.text.sandbox import LimitsConfig
from scrapeclean.transforms.text.segment import SegmentConfig
from scrapeclean.transforms.text.validate import ValidateConfig

# Columns with few distinct values: a folder per value stays a handful of folders.
PARTITION_COLUMNS = ("language", "split")


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """How the Parquet files are written."""

    # zstd: ~1/3 smaller than snappy on article text at the same write speed
    # (docs/beam-notes.md §3).
    compression: str = "zstd"
    # Bytes buffered per row group; 8 MiB held peak RSS at 231 MB against 408 MB at Beam's
    # 64 MiB default, at no measurable time cost (docs/beam-notes.md §3).
    row_group_buffer_bytes: int = 8 * 1024 * 1024
    # Article columns that make Hive-style folders (articles/language=en/...); empty: flat.
    partition_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.compression not in ("zstd", "snappy", "gzip", "none"):
            raise ValueError("compression: must be one of zstd, snappy, gzip, none")
        if self.row_group_buffer_bytes < 1024:
            raise ValueError("row_group_buffer_bytes: must be >= 1024")
        unknown = [name for name in self.partition_by if name not in PARTITION_COLUMNS]
        if unknown or len(set(self.partition_by)) != len(self.partition_by):
            allowed = ", ".join(PARTITION_COLUMNS)
            raise ValueError(f"partition_by: distinct names among {allowed}, not {unknown}")


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Every tunable of a run, one section per stage; passed explicitly, pickled into DoFns."""

    read: ReadConfig = field(default_factory=ReadConfig)
    jsonl: JsonlConfig = field(default_factory=JsonlConfig)
    html: HtmlConfig = field(default_factory=HtmlConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    repair: RepairConfig = field(default_factory=RepairConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)
    sitelines: SiteLinesConfig = field(default_factory=SiteLinesConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    neardup: NearDupConfig = field(default_factory=NearDupConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    language_filter: LanguageFilterConfig = field(default_factory=LanguageFilterConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
