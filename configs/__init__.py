"""The packaged run profiles (default.yaml, training.yaml), read via importlib.resources."""
