"""Validate annotation/prediction results against a parsed labeling config."""
from numbers import Number

from ..errors import ValidationError
from ..music.shapes import MUSIC_TYPES, check_value as check_music_value
from . import tags as T

GEOMETRY_KEYS = ("x", "y", "width", "height", "rotation", "radiusX", "radiusY", "start", "end")


def validate_result(result, config, *, what="result"):
    """Check a Label Studio result list; raise ``ValidationError`` naming the bad region."""
    if not isinstance(result, list):
        raise ValidationError(f"{what} must be a list of regions")
    for i, region in enumerate(result):
        where = f"{what}[{i}]"
        if not isinstance(region, dict):
            raise ValidationError(f"{where} must be an object")
        rtype = region.get("type")
        if rtype == "relation":
            if "from_id" not in region or "to_id" not in region:
                raise ValidationError(f"{where}: a relation needs from_id and to_id")
            continue
        from_name = region.get("from_name")
        ctl = config.controls.get(from_name)
        if ctl is None:
            raise ValidationError(f"{where}: from_name {from_name!r} is not a control in the labeling config")
        to_name = region.get("to_name")
        if ctl.to_names and to_name not in ctl.to_names:
            raise ValidationError(f"{where}: to_name {to_name!r} is not a target of control {from_name!r}")
        if rtype != ctl.type and not _compatible(rtype, ctl.type):
            raise ValidationError(f"{where}: type {rtype!r} does not match control {from_name!r} "
                                  f"(expected {ctl.type!r})")
        value = region.get("value")
        if not isinstance(value, dict):
            raise ValidationError(f"{where}: value must be an object")
        _check_value(value, ctl, rtype, where)


def _compatible(rtype, ctl_type):
    # Label Studio writes "rectangle" regions for a RectangleLabels control drawn without a label.
    return isinstance(rtype, str) and ctl_type.endswith("labels") and rtype + "labels" == ctl_type


def _check_value(value, ctl, rtype, where):
    for key in GEOMETRY_KEYS:
        if key in value and not _is_number(value[key]) and rtype not in ("datetime", "textarea"):
            if key in ("start", "end") and isinstance(value[key], str):
                continue  # hypertext/paragraph spans use XPath-like strings
            raise ValidationError(f"{where}: value.{key} must be a number")
    if _is_number(value.get("start")) and _is_number(value.get("end")) and value["end"] < value["start"]:
        raise ValidationError(f"{where}: value.end is before value.start")
    if rtype in T.LABEL_LIST_TYPES and rtype in value:
        labels = value[rtype]
        if not isinstance(labels, list):
            raise ValidationError(f"{where}: value.{rtype} must be a list")
        if not ctl.dynamic and ctl.labels:
            for label in labels:
                if label not in ctl.labels:
                    raise ValidationError(f"{where}: {label!r} is not a label of control {ctl.name!r}")
    if rtype in MUSIC_TYPES:
        check_music_value(value, ctl, rtype, where)
    if rtype == "videorectangle":
        _check_keyframes(value, where)


def _check_keyframes(value, where):
    """A tracked box: ``value.sequence`` lists its keyframes (frame number, box in percent)."""
    frames = value.get("sequence")
    if not isinstance(frames, list) or not frames:
        raise ValidationError(f"{where}: value.sequence must be a non-empty list of keyframes")
    for j, frame in enumerate(frames):
        if not isinstance(frame, dict):
            raise ValidationError(f"{where}: value.sequence[{j}] must be an object")
        number = frame.get("frame")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ValidationError(f"{where}: value.sequence[{j}].frame must be a frame number from 1")
        for key in ("x", "y", "width", "height", "rotation", "time"):
            if key in frame and not _is_number(frame[key]):
                raise ValidationError(f"{where}: value.sequence[{j}].{key} must be a number")


def _is_number(x):
    return isinstance(x, Number) and not isinstance(x, bool)
