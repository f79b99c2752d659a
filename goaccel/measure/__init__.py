"""Measuring mirrors: the catalog and the user's extra mirrors, the workload (the user's own
project), the probe, the ranking, and bench."""
