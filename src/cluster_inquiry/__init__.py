"""Cluster Inquiry Evidence Book: data, statistics, maps and the build pipeline."""
