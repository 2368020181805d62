"""Stream agents (faust-streaming): triage, policy, collation, routing, audit."""
