"""Read-back tools over a finished output or one input: report, inspect, explain."""
