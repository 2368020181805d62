"""The worker's stream agents, one module per stream they consume."""
