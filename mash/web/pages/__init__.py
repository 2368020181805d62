"""The console's pages: one module of routes per area (sign-in, cases, contacts, compliance)."""
