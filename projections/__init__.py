"""Read-side answers computed from the stored facts (reports)."""
