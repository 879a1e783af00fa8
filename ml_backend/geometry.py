"""Image regions between Label Studio's units and pixels: boxes, polygons, ellipses, key points
and brush masks.

Label Studio writes image geometry in percent of the image (x, y, width, height, radii,
polygon points) with a rotation in degrees, clockwise, about the rectangle's top-left corner
or the ellipse's centre. Here everything is turned into pixels of an array of a given size,
and masks are turned back into percent regions: a polygon simplified with Douglas-Peucker
(OpenCV), an ellipse from the mask's second moments, or Label Studio's brush RLE.
"""
import math

import numpy as np

#: A polygon never gets more points than this (a person must be able to edit it).
MAX_POLYGON_POINTS = 64
#: Douglas-Peucker tolerance as a fraction of the outline's perimeter: about 1% keeps a
#: circle round (16-24 points) and a square at its four corners.
POLYGON_TOLERANCE = 0.01
#: Points used to rasterise an ellipse.
ELLIPSE_STEPS = 48


def rectangle_box(value):
    """Axis-aligned (x0, y0, x1, y1) in 0..1 of a rectangle value, its rotation included."""
    x, y = float(value["x"]) / 100, float(value["y"]) / 100
    w, h = float(value["width"]) / 100, float(value["height"]) / 100
    angle = math.radians(float(value.get("rotation") or 0))
    c, s = math.cos(angle), math.sin(angle)
    # Percent units differ per axis on non-square images; the rotation is about the corner.
    xs = [x, x + w * c, x + w * c - h * s, x - h * s]
    ys = [y, y + w * s, y + w * s + h * c, y + h * c]
    return _clip_box(min(xs), min(ys), max(xs), max(ys))


def _clip_box(x0, y0, x1, y1):
    return (min(max(x0, 0.0), 1.0), min(max(y0, 0.0), 1.0), min(max(x1, 0.0), 1.0), min(max(y1, 0.0), 1.0))


def polygon_points(value):
    """Polygon vertices as an (N, 2) array in 0..1."""
    pts = np.asarray(value["points"], dtype=np.float64).reshape(-1, 2) / 100.0
    return np.clip(pts, 0.0, 1.0)


def ellipse_points(value, steps=ELLIPSE_STEPS):
    """An ellipse value's outline as an (N, 2) array in 0..1."""
    cx, cy = float(value["x"]) / 100, float(value["y"]) / 100
    rx, ry = float(value["radiusX"]) / 100, float(value["radiusY"]) / 100
    angle = math.radians(float(value.get("rotation") or 0))
    t = np.arange(steps) * 2 * math.pi / steps
    ex, ey = rx * np.cos(t), ry * np.sin(t)
    c, s = math.cos(angle), math.sin(angle)
    return np.clip(np.stack([cx + ex * c - ey * s, cy + ex * s + ey * c], axis=1), 0.0, 1.0)


def outline_box(points):
    """(x0, y0, x1, y1) bounds of an outline in 0..1."""
    return _clip_box(*points.min(axis=0), *points.max(axis=0))


def fill(points, width, height, supersample=4):
    """A uint8 mask (height x width, 0/1) of the outline ``points`` (0..1 units): the pixels
    the outline covers by more than half (drawn ``supersample`` times larger, then averaged)."""
    import cv2

    big = np.zeros((height * supersample, width * supersample), np.float32)
    # fillPoly puts pixel centres on integers: a 0..1 outline spans the pixels' outer edges.
    px = np.round((points * [width * supersample, height * supersample] - 0.5) * 16).astype(np.int32)
    cv2.fillPoly(big, [px.reshape(-1, 1, 2)], 1.0, lineType=cv2.LINE_8, shift=4)
    return (cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA) > 0.5).astype(np.uint8)


def largest_component(mask):
    """The largest 8-connected component of a binary mask, holes filled."""
    import cv2

    mask = (mask > 0).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = np.zeros_like(mask)
    if contours:
        cv2.drawContours(out, [max(contours, key=cv2.contourArea)], -1, 1, thickness=cv2.FILLED)
    return out


def mask_polygon(mask, tolerance=POLYGON_TOLERANCE, max_points=MAX_POLYGON_POINTS):
    """Vertices (N, 2) in pixel units of the largest outline in ``mask``, simplified; None when
    the mask holds no region of three or more vertices."""
    import cv2

    contours, _ = cv2.findContours((mask > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    perimeter = cv2.arcLength(contour, True)
    eps = max(tolerance * perimeter, 0.5)
    approx = cv2.approxPolyDP(contour, eps, True)
    while len(approx) > max_points:
        eps *= 1.5
        approx = cv2.approxPolyDP(contour, eps, True)
    if len(approx) < 3:
        return None
    # findContours walks the centres of the outer pixels; half a pixel outwards (per axis, as at
    # a box's corners) puts the outline on the region's edge.
    pts = approx.reshape(-1, 2).astype(np.float64) + 0.5
    return pts + 0.5 * np.sign(pts - pts.mean(axis=0))


def mask_ellipse(mask, scale=(1.0, 1.0)):
    """(cx, cy, rx, ry, rotation_degrees) of the ellipse with the mask's centre and second
    moments, in pixel units times ``scale`` (x, y); None for a mask of under three pixels."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 3:
        return None
    sx, sy = scale
    xs, ys = (xs + 0.5) * sx, (ys + 0.5) * sy
    cx, cy = xs.mean(), ys.mean()
    # Pixels are squares, not points: each adds s^2/12 of variance along its axis.
    cov = np.cov(np.stack([xs - cx, ys - cy])) - np.diag([sx * sx / 12, sy * sy / 12])
    evals, evecs = np.linalg.eigh(cov)
    # A filled ellipse of radius r has variance r^2/4 along that axis.
    ry, rx = (2 * np.sqrt(np.maximum(evals, 1e-9))).tolist()
    major = evecs[:, 1]
    rotation = math.degrees(math.atan2(major[1], major[0]))
    if rotation < 0:
        rotation += 180.0  # an ellipse is the same turned half a turn; keep 0..180
    return float(cx), float(cy), rx, ry, rotation


def iou(a, b):
    """Intersection over union of two binary masks (0 when both are empty)."""
    a, b = a > 0, b > 0
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


# ---------------------------------------------------------------- brush RLE

#: Label Studio's brush RLE header: run-length field widths (bits) chosen by a 2-bit index.
RLE_SIZES = (3, 4, 8, 16)


class _Bits:
    def __init__(self):
        self.chunks = []

    def put(self, value, width):
        self.chunks.append(format(int(value), f"0{width}b"))

    def bytes(self):
        bits = "".join(self.chunks)
        bits += "0" * (-len(bits) % 8)
        return [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]


def mask_to_rle(mask):
    """Label Studio's brush ``rle`` (the @thi.ng/rle-pack format the editor decodes) of a
    binary mask: RGBA pixels, row by row, every channel 255 inside the mask."""
    flat = np.repeat((mask > 0).astype(np.uint8).ravel() * 255, 4)
    out = _Bits()
    out.put(len(flat), 32)
    out.put(8 - 1, 5)
    for size in RLE_SIZES:
        out.put(size - 1, 4)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [len(flat)]]))
    for start, length in zip(starts.tolist(), lengths.tolist()):
        value = int(flat[start])
        while length > 0:
            run = min(length, 2 ** 16)
            if run == 1:
                out.put(0, 1), out.put(0, 2), out.put(0, 3), out.put(value, 8)
            else:
                index = next(i for i, s in enumerate(RLE_SIZES) if run <= 2 ** s)
                out.put(1, 1), out.put(index, 2), out.put(run - 1, RLE_SIZES[index]), out.put(value, 8)
            length -= run
    return out.bytes()


def rle_to_mask(rle, width, height):
    """The mask (uint8 0/1, height x width) of a brush ``rle``. Raises ValueError when it does
    not decode to ``width`` x ``height`` RGBA pixels."""
    bits = "".join(format(b, "08b") for b in rle)
    pos = 0

    def read(n):
        nonlocal pos
        if pos + n > len(bits):
            raise ValueError("brush rle ends early")
        value = int(bits[pos:pos + n], 2)
        pos += n
        return value

    num, word = read(32), read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    if num != width * height * 4:
        raise ValueError(f"brush rle holds {num} values, not {width}x{height} RGBA pixels")
    out = np.zeros(num, np.uint8)
    i = 0
    while i < num:
        series = read(1)
        j = i + 1 + read(sizes[read(2)])
        if series:
            out[i:j] = read(word)
        else:
            for k in range(i, j):
                out[k] = read(word)
        i = j
    return (out.reshape(height, width, 4)[:, :, 3] > 127).astype(np.uint8)
