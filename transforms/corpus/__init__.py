"""Pure cross-document rules: site boilerplate lines, exact and near duplicates, quality rules,
train/validation/test split. Each works on plain records; the Beam wiring is in ``beam``."""
