"""Video object tracking results (<VideoRectangle>): keyframes are checked like any region."""
import pytest

from worker.errors import ValidationError
from worker.labeling.config import parse_config
from worker.labeling.results import validate_result
from worker.labeling.templates import TEMPLATES

CONFIG = parse_config(TEMPLATES["video-tracking"])


def region(sequence):
    return [{"id": "b1", "from_name": "box", "to_name": "video", "type": "videorectangle",
             "value": {"framesCount": 100, "duration": 4.0, "labels": ["ball"], "sequence": sequence}}]


def test_a_tracked_box_with_two_keyframes_is_accepted():
    validate_result(region([
        {"frame": 1, "enabled": True, "rotation": 0, "x": 5.0, "y": 40.0, "width": 15.0, "height": 20.0, "time": 0.04},
        {"frame": 11, "enabled": True, "rotation": 0, "x": 12.5, "y": 63.3, "width": 15.0, "height": 20.0, "time": 0.44},
    ]), CONFIG)


@pytest.mark.parametrize("sequence, needle", [
    (None, "value.sequence must be a non-empty list"),
    ([], "value.sequence must be a non-empty list"),
    (["frame 1"], "value.sequence[0] must be an object"),
    ([{"frame": 0, "x": 1}], "value.sequence[0].frame must be a frame number"),
    ([{"frame": 1, "x": 1}, {"frame": 2, "x": "left"}], "value.sequence[1].x must be a number"),
])
def test_bad_keyframes_are_named(sequence, needle):
    with pytest.raises(ValidationError) as err:
        validate_result(region(sequence), CONFIG)
    assert needle in str(err.value.detail)
