"""The controllers of one open tab, one per area; each takes the tab session (and capabilities)."""
