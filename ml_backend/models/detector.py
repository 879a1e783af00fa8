"""Object detector: proposes ``<RectangleLabels>`` boxes with scores, learnt from the project's
own boxes.

A compact anchor-free CenterNet (``ml_backend/nets.py``): one heat map per label on a 24x24
grid over the image seen at 96x96, the sub-cell offset of each peak and the box's log size.
It trains from scratch in minutes on a CPU (300 labelled synthetic images: mAP@0.5 above 0.9
on held-out images, ``make bench-regions``) and on the GPU when there is one. Each training
round starts from the previous version (online learning), so later rounds are short.
"""
from ..geometry import rectangle_box
from ..regions import CANDIDATE, RegionModel, detect, detection_loss


class BoxDetector(RegionModel):
    name = "box_detector"
    title = "Object detector (CenterNet, small CNN)"
    description = ("Learns boxes from the project's own annotations and proposes them with scores; "
                   "serves RectangleLabels on Image.")
    SHAPES = (("RectangleLabels", ("Image",)),)

    def truth(self, value, label):
        box = rectangle_box(value)
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            return None
        return {"label": label, "box": box}

    def network(self, n_classes):
        import torch.nn as nn

        from ..nets import CenterNet

        return nn.ModuleDict({"det": CenterNet(n_classes)})

    def loss(self, net, images, objects, masks, dev):
        return detection_loss(net["det"], images, objects, dev, len(self.binding.labels))

    def propose(self, net, images, dev, threshold):
        return detect(net["det"], images, dev, threshold)

    def region_value(self, box, size):
        x0, y0, x1, y1 = box
        return {"x": round(x0 * 100, 3), "y": round(y0 * 100, 3), "width": round((x1 - x0) * 100, 3),
                "height": round((y1 - y0) * 100, 3), "rotation": 0}

    def evaluate(self, net, images, objects, sizes, dev):
        import torch

        from ..metrics import box_map50

        with torch.no_grad():
            preds = self.propose(net, images, dev, CANDIDATE)
        truths = [[(o["label"], o["box"]) for o in objs] for objs in objects]
        return {"map50": box_map50(preds, truths, len(self.binding.labels))}
