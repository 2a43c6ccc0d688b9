"""scrapeclean's stages: pure text functions (no Beam) and the thin Beam wrappers around them."""
