"""Fetched documents read as feed items or as list entries."""
