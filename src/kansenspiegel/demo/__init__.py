"""Synthetic demo data (SYNTHETIC: no real person is in it), calibrated to the report's Table 2.1."""

from kansenspiegel.demo._generator import PLANTED_EFFECTS, YEARS, Effect, exact_targets, example_client_file, generate, seed_table, write_scaled

__all__ = ["PLANTED_EFFECTS", "YEARS", "Effect", "exact_targets", "example_client_file", "generate", "seed_table", "write_scaled"]
