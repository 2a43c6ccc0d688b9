"""The Beam job: config, graph, run, manifest, output folder, incremental runs, watch, streaming."""
