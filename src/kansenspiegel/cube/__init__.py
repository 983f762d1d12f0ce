"""Stage 2 of the data's journey: person rows -> counts -> the cube (every geography x grouping)."""

from kansenspiegel.cube._cube import CUBE_COLUMNS, MONTHS_BANDS, covariate_counts, fine_counts, groupings, is_fine, rollup, rollup_grouping_sets, rollup_union

__all__ = ["CUBE_COLUMNS", "MONTHS_BANDS", "covariate_counts", "fine_counts", "groupings", "is_fine", "rollup", "rollup_grouping_sets", "rollup_union"]
