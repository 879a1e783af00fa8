"""An ML backend written with Label Studio's own SDK (label-studio-ml from PyPI), unchanged
in style from its examples: it must plug into Label.Art as it plugs into Label Studio.

It labels an image by fetching it the way Label Studio backends do (``get_local_path`` with
the hostname and access token from /setup) and answers "square" with a score that encodes the
image's width, so the test can tell the media really arrived.
"""
from PIL import Image

from label_studio_ml.model import LabelStudioMLBase
from label_studio_ml.utils import get_single_tag_keys


class WidthModel(LabelStudioMLBase):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.from_name, self.to_name, self.value, self.classes = get_single_tag_keys(
            self.parsed_label_config, "Choices", "Image")

    def predict(self, tasks, **kwargs):
        out = []
        for task in tasks:
            path = self.get_local_path(task["data"][self.value])
            width = Image.open(path).size[0]
            out.append({"result": [{"from_name": self.from_name, "to_name": self.to_name, "type": "choices",
                                    "value": {"choices": ["square"]}}],
                        "score": width / 1000.0, "model_version": "width-1"})
        return out

    def fit(self, tasks, workdir=None, **kwargs):
        return {"seen_event": kwargs.get("event")}
