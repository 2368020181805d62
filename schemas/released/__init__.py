"""Released writer schemas, one folder per release (see scripts/release-schemas)."""
