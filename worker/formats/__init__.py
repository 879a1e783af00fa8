"""Import readers and export writers, one module per format.

An export writer module defines:
    NAME      the exportType (Label Studio's name, e.g. "CSV")
    EXT       the file extension ("csv", "zip", ...)
    MIMETYPE  the response content type
    write(tasks, config, project) -> Iterator[bytes]
where ``tasks`` is an iterator of Label Studio export task dicts (``id``, ``data``, ``meta``,
``annotations`` [each with ``result`` list, ``completed_by``, ``was_cancelled``, ...],
``predictions``), ``config`` a ``worker.labeling.config.ParsedConfig`` and ``project`` a dict
(``id``, ``title``, ``label_config``). Writers stream: they never hold every task at once.
"""
import importlib

WRITER_MODULES = {
    "JSON": "json_export",
    "JSON_MIN": "json_min",
    "CSV": "csv_export",
    "TSV": "tsv_export",
    "COCO": "coco",
    "YOLO": "yolo",
    "VOC": "voc",
    "CONLL2003": "conll",
    "JAMS": "jams_export",
    "MIDI": "midi_export",
    "AUDACITY": "audacity",
    "SONIC_VISUALISER": "sonic_visualiser",
    "SONIC_VISUALISER_SVL": "sonic_visualiser_svl",
    "JSON_CONSENSUS": "consensus_json",
}


def writer(name):
    """The writer module for exportType ``name``. Raises KeyError for unknown formats."""
    module = WRITER_MODULES[name.upper()]
    return importlib.import_module(f"{__name__}.{module}")
