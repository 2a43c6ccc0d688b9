"""Pure per-document text stages: bytes to text, repair, boilerplate, segmentation, language,
validation, and the one stage list and stage loop. No Beam import here."""
