"""Stage 1: read a file, validate it against the data contract, load it in one transaction."""

from kansenspiegel.ingest._contract import AGGREGATED_COLUMNS, COUNTS_SCHEMA, MICRODATA_COLUMNS, PERSONS_SCHEMA, contract_markdown
from kansenspiegel.ingest._count import CountResult, count_file, count_rows, spark_rows, spark_session
from kansenspiegel.ingest._errors import IngestError, Problem, problem
from kansenspiegel.ingest._load import IngestResult, build, detect_kind, ingest_file, ingest_frame, ingest_rows, stored_characteristics
from kansenspiegel.ingest._read import Limits, open_rows, read_table
from kansenspiegel.ingest._report import CONTENT_PROBLEMS, LIMIT_PROBLEMS, MAX_REPORTED, ValidationReport, sniff, validate_file
from kansenspiegel.ingest._template import template_frame, write_template
from kansenspiegel.ingest._validate import ROW, Rows, Validated, own_characteristics, validate_aggregated, validate_microdata

__all__ = [
    "AGGREGATED_COLUMNS",
    "CONTENT_PROBLEMS",
    "COUNTS_SCHEMA",
    "LIMIT_PROBLEMS",
    "MAX_REPORTED",
    "MICRODATA_COLUMNS",
    "PERSONS_SCHEMA",
    "ROW",
    "CountResult",
    "IngestError",
    "IngestResult",
    "Limits",
    "Problem",
    "Rows",
    "Validated",
    "ValidationReport",
    "build",
    "contract_markdown",
    "count_file",
    "count_rows",
    "detect_kind",
    "ingest_file",
    "ingest_frame",
    "ingest_rows",
    "open_rows",
    "own_characteristics",
    "problem",
    "read_table",
    "sniff",
    "spark_rows",
    "spark_session",
    "stored_characteristics",
    "template_frame",
    "validate_aggregated",
    "validate_file",
    "validate_microdata",
    "write_template",
]
