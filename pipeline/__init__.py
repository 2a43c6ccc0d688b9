"""Builds and runs scrapeclean's Beam job: CLI, options, config, graph, run, manifest."""
