"""The ``scrapeclean`` command line: argparse and exit codes live here and nowhere else."""
