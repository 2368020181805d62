"""Agency connectors: one module per agency, mapping its own records to the Avro schemas."""
