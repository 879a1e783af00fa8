"""The networks behind the region models, small enough to train on a CPU in minutes.

- ``CenterNet``: an anchor-free detector (Zhou et al., "Objects as Points"): a small
  encoder-decoder CNN gives, on a grid of stride 4, one heat map per label whose peaks are
  object centres (or key points), plus the sub-cell offset of each peak and the object's
  size. Decoding is a 3x3 max-pool instead of box NMS.
- ``MaskHead``: a small U-Net that, given an image crop around one detected box, draws the
  object's mask for each label (the detected label's channel is used, as in Mask R-CNN).
Inputs carry four channels (``prepare``): the colours, normalised per image, and a
figure/ground map (distance from the image's dominant colour), so few labels are enough.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

#: Side of the square a detector sees, and its output stride (grid of SIZE // STRIDE).
SIZE, STRIDE = 96, 4
GRID = SIZE // STRIDE
#: Side of the crop a mask head sees and draws.
MASK = 32
#: Crops reach this far (fraction of the box) around a box, so edges are in view.
MARGIN = 0.15
CHANNELS = 4


def conv(cin, cout, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def head(cin, cout, bias=0.0):
    layer = nn.Conv2d(cin, cout, 1)
    nn.init.constant_(layer.bias, bias)
    return layer


def up(x, like):
    return F.interpolate(x, size=like.shape[-2:], mode="nearest")


class CenterNet(nn.Module):
    """Heat maps (n_classes), offsets (2) and, with ``sizes``, log box sizes (2) on the grid."""

    def __init__(self, n_classes, sizes=True):
        super().__init__()
        self.s1 = nn.Sequential(conv(CHANNELS, 16, 2), conv(16, 24, 2), conv(24, 24))
        self.s2 = nn.Sequential(conv(24, 48, 2), conv(48, 48))
        self.s3 = nn.Sequential(conv(48, 64, 2), conv(64, 64), conv(64, 64, dilation=2))
        self.u2, self.u1 = conv(64 + 48, 48), conv(48 + 24, 32)
        # One shared 3x3 layer feeds the 1x1 heads: the grid layers are most of the cost on a CPU.
        self.trunk = conv(32, 32)
        # Heat starts near 0.1 everywhere, as CenterNet does, so early focal loss is stable.
        self.heat = head(32, n_classes, bias=-2.19)
        self.offset = head(32, 2)
        self.size = head(32, 2) if sizes else None

    def forward(self, x):
        a = self.s1(x)
        b = self.s2(a)
        c = self.s3(b)
        u = self.u2(torch.cat([up(c, b), b], 1))
        u = self.trunk(self.u1(torch.cat([up(u, a), a], 1)))
        size = self.size(u) if self.size is not None else None
        return self.heat(u), self.offset(u), size


class MaskHead(nn.Module):
    """Mask logits (n_classes, MASK, MASK) for a crop (CHANNELS, MASK, MASK)."""

    def __init__(self, n_classes):
        super().__init__()
        self.d1 = nn.Sequential(conv(CHANNELS, 16), conv(16, 16))
        self.d2 = nn.Sequential(conv(16, 32, 2), conv(32, 32))
        self.d3 = nn.Sequential(conv(32, 48, 2), conv(48, 48, dilation=2))
        self.u2, self.u1 = conv(48 + 32, 32), conv(32 + 16, 16)
        self.out = nn.Conv2d(16, n_classes, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(a)
        c = self.d3(b)
        u = self.u2(torch.cat([up(c, b), b], 1))
        return self.out(self.u1(torch.cat([up(u, a), a], 1)))


def prepare(images):
    """Float network input (B, 4, H, W) from uint8 RGB images (B, 3, H, W)."""
    x = images.float() / 255.0
    # Statistics from every few pixels: a median over a whole large image costs more than the
    # network, and a 64-pixel sample estimates the dominant colour as well.
    step = max(1, x.shape[-1] // 64)
    flat = x[..., ::step, ::step].flatten(2)
    dominant = flat.median(dim=2).values[:, :, None, None]
    fg = (x - dominant).abs().amax(1, keepdim=True)
    rgb = (x - flat.mean(2)[:, :, None, None]) / (flat.std(2)[:, :, None, None] + 0.05)
    sample = fg[..., ::step, ::step].flatten(1)
    fg = (fg - sample.mean(1)[:, None, None, None]) / (sample.std(1)[:, None, None, None] + 0.05)
    return torch.cat([rgb, fg], 1)


# ---------------------------------------------------------------- targets and losses

def targets(objects, n_classes, sizes=True, point_sigma=1.0):
    """Training targets on the grid for one image's ``objects`` ([{"label": int, "box": (x0, y0,
    x1, y1) or "point": (x, y)}] in 0..1): heat (C, G, G), offset (2, G, G), log size (2, G, G),
    and the mask of centre cells (G, G)."""
    heat = torch.zeros(n_classes, GRID, GRID)
    offset, size = torch.zeros(2, GRID, GRID), torch.zeros(2, GRID, GRID)
    centres = torch.zeros(GRID, GRID)
    gy, gx = torch.meshgrid(torch.arange(GRID) + 0.5, torch.arange(GRID) + 0.5, indexing="ij")
    for obj in objects:
        if sizes:
            x0, y0, x1, y1 = obj["box"]
            cx, cy, w, h = (x0 + x1) / 2 * GRID, (y0 + y1) / 2 * GRID, (x1 - x0) * GRID, (y1 - y0) * GRID
            # An elliptic Gaussian as wide as the box (TTFNet): big objects get a broad peak.
            sx, sy = max(w / 6, 0.6), max(h / 6, 0.6)
        else:
            cx, cy = obj["point"][0] * GRID, obj["point"][1] * GRID
            w = h = 1.0
            sx = sy = point_sigma
        ix, iy = min(int(cx), GRID - 1), min(int(cy), GRID - 1)
        g = torch.exp(-((gx - (ix + 0.5)) ** 2 / (2 * sx ** 2) + (gy - (iy + 0.5)) ** 2 / (2 * sy ** 2)))
        heat[obj["label"]] = torch.maximum(heat[obj["label"]], g)
        heat[obj["label"], iy, ix] = 1.0
        offset[:, iy, ix] = torch.tensor([cx - ix, cy - iy])
        size[:, iy, ix] = torch.tensor([math.log(max(w, 0.25)), math.log(max(h, 0.25))])
        centres[iy, ix] = 1.0
    return heat, offset, size, centres


def focal_loss(logits, target):
    """CenterNet's penalty-reduced focal loss, per positive cell."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p ** 2 * (1 - target) ** 4 * (1 - pos)
    return -(pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


def detector_loss(out, heat, offset, size, centres):
    heat_logits, off_pred, size_pred = out
    loss = focal_loss(heat_logits, heat)
    mask = centres[:, None]
    n = centres.sum().clamp(min=1)
    loss = loss + (F.l1_loss(off_pred * mask, offset * mask, reduction="sum") / n)
    if size_pred is not None:
        loss = loss + (F.l1_loss(size_pred * mask, size * mask, reduction="sum") / n)
    return loss


def decode(out, threshold, top_k=50):
    """Per image, [(label, score, (x0, y0, x1, y1) or (x, y, x, y), peak)] in 0..1, best first,
    with every peak above ``threshold``. A peak is a local maximum of its label's heat map."""
    heat_logits, offset, size = out
    heat = torch.sigmoid(heat_logits)
    peaks = heat * (F.max_pool2d(heat, 3, stride=1, padding=1) == heat)
    b, c, g, _ = heat.shape
    scores, index = peaks.flatten(1).topk(min(top_k, c * g * g))
    results = []
    for i in range(b):
        found = []
        for score, idx in zip(scores[i].tolist(), index[i].tolist()):
            if score < threshold:
                break
            label, cell = divmod(idx, g * g)
            iy, ix = divmod(cell, g)
            cx = (ix + float(offset[i, 0, iy, ix])) / g
            cy = (iy + float(offset[i, 1, iy, ix])) / g
            if size is None:
                found.append((label, score, (cx, cy, cx, cy)))
                continue
            w, h = math.exp(float(size[i, 0, iy, ix])) / g, math.exp(float(size[i, 1, iy, ix])) / g
            found.append((label, score, (max(cx - w / 2, 0.0), max(cy - h / 2, 0.0),
                                         min(cx + w / 2, 1.0), min(cy + h / 2, 1.0))))
        results.append(found)
    return results


# ---------------------------------------------------------------- crops for the mask head

def crop_grid(boxes, margin=MARGIN, side=MASK):
    """Sampling grids (N, side, side, 2) for ``boxes`` (N, 4) in 0..1, each widened by ``margin``."""
    boxes = torch.as_tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    w = (boxes[:, 2] - boxes[:, 0]).clamp(min=1e-3) * (1 + 2 * margin)
    h = (boxes[:, 3] - boxes[:, 1]).clamp(min=1e-3) * (1 + 2 * margin)
    theta = torch.zeros(len(boxes), 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = w, cx * 2 - 1
    theta[:, 1, 1], theta[:, 1, 2] = h, cy * 2 - 1
    return F.affine_grid(theta, (len(boxes), 1, side, side), align_corners=False)


def crops(source, owners, boxes, margin=MARGIN, side=MASK):
    """Crops (N, C, side, side) of ``source`` (B, C, H, W): crop i from image ``owners[i]``."""
    grid = crop_grid(boxes, margin, side).to(source.device)
    picked = source[torch.as_tensor(owners, dtype=torch.long, device=source.device)]
    return F.grid_sample(picked, grid, mode="bilinear", padding_mode="border", align_corners=False)


def crop_box(box, margin=MARGIN):
    """The (x0, y0, x1, y1) in 0..1 a crop of ``box`` covers."""
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return x0 - mx, y0 - my, x1 + mx, y1 + my


def mask_loss(logits, labels, target):
    """Binary cross-entropy plus soft Dice on each crop's own label channel."""
    picked = logits[torch.arange(len(labels)), torch.as_tensor(labels, dtype=torch.long)]
    bce = F.binary_cross_entropy_with_logits(picked, target)
    p = torch.sigmoid(picked)
    dice = 1 - (2 * (p * target).sum((1, 2)) + 1) / (p.sum((1, 2)) + target.sum((1, 2)) + 1)
    return bce + dice.mean()
