"""Pure image drawing shared by generation and cards (no providers, no storage)."""
