"""Helpers of the tests: builders, loopback servers, the served app, browser and page helpers.

Test modules and conftests import from here; nothing imports from a conftest.
"""
