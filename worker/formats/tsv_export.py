"""TSV export: the CSV export with tabs between cells (label-studio-converter's TSV)."""
from . import csv_export

NAME = "TSV"
EXT = "tsv"
MIMETYPE = "text/tab-separated-values"
DELIMITER = "\t"


def check(config):
    """Every labeling config can be exported as TSV."""
    csv_export.check(config)


def write(tasks, config, project):
    """Stream the table with tab delimiters; see ``csv_export`` for the columns."""
    return csv_export.write(tasks, config, project, delimiter=DELIMITER)
