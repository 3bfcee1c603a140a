"""Measurement records (single-copy shadows, two-copy Bell shots), their files and ReCirq import."""

from qmemlearn.records.io import FORMAT, FORMAT_VERSION, load_any, load_records, save_records
from qmemlearn.records.recirq import (
    load_recirq,
    load_recirq_single_copy,
    load_recirq_two_copy,
    parse_recirq_name,
)
from qmemlearn.records.records import RECIPE_NAMES, BellRecord, Record, ShadowRecord

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "RECIPE_NAMES",
    "BellRecord",
    "Record",
    "ShadowRecord",
    "load_any",
    "load_recirq",
    "load_recirq_single_copy",
    "load_recirq_two_copy",
    "load_records",
    "parse_recirq_name",
    "save_records",
]
