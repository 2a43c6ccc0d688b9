"""Developer scripts: sample and corpus generators, scorers, benchmarks (not installed)."""
