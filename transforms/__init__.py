"""Everything a document goes through: records and schema (this folder), then the pure rooms
``text``, ``html`` and ``corpus``, and ``beam``, the thin Beam wrappers around them."""
