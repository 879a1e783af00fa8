"""Key point detector: proposes ``<KeyPointLabels>`` points (fingertips, joints, centres) with
scores, learnt from the project's own points.

The detector's network without the size head: one heat map per label (a Gaussian of
``point_sigma`` grid cells around each true point) and a sub-cell offset, on a 24x24 grid over
the image seen at 96x96. Peaks are local maxima, so two points of one label need to be at
least a cell (1/24 of the image) apart.
"""
from ..regions import CANDIDATE, RegionModel, detect, detection_loss

#: Heat map spread (grid cells) around a true point; wider learns faster, narrower separates more.
POINT_SIGMA = 1.0


class KeypointDetector(RegionModel):
    name = "keypoint_detector"
    title = "Key point detector (heat maps, small CNN)"
    description = ("Learns key points from the project's own annotations and proposes them with scores; "
                   "serves KeyPointLabels on Image.")
    SHAPES = (("KeyPointLabels", ("Image",)),)

    def truth(self, value, label):
        x, y = float(value["x"]) / 100, float(value["y"]) / 100
        if not (0 <= x <= 1 and 0 <= y <= 1):
            return None
        return {"label": label, "point": (x, y)}

    def network(self, n_classes):
        import torch.nn as nn

        from ..nets import CenterNet

        return nn.ModuleDict({"det": CenterNet(n_classes, sizes=False)})

    def loss(self, net, images, objects, masks, dev):
        sigma = float(self.params.get("point_sigma", POINT_SIGMA))
        return detection_loss(net["det"], images, objects, dev, len(self.binding.labels), sizes=False,
                              point_sigma=sigma)

    def propose(self, net, images, dev, threshold):
        return [[(label, score, box[:2]) for label, score, box in found]
                for found in detect(net["det"], images, dev, threshold)]

    def region_value(self, point, size):
        return {"x": round(point[0] * 100, 3), "y": round(point[1] * 100, 3), "width": 1.0}

    def evaluate(self, net, images, objects, sizes, dev):
        import torch

        from ..metrics import pck

        threshold = self.hyper("score_threshold")
        with torch.no_grad():
            preds = self.propose(net, images, dev, threshold)
        truths = [[(o["label"], o["point"]) for o in objs] for objs in objects]
        found, precision = pck(preds, truths, 0.05, sizes)
        return {"pck05": found, "precision": precision}
