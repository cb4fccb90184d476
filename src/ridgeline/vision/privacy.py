"""Privacy masks: pixel polygons that are never analysed and are black in every image that leaves.

One ``PrivacyMask`` serves every path: the pipeline blacks a frame with ``apply`` before the
detector, the annotator or the snapshot writer sees it, so a masked region carries no
content anywhere downstream.  Lossy codecs work on blocks and smooth colour across them, so
an image that is stored or sent is blacked with ``apply_for_jpeg``: the mask grown by a
margin (what chroma upsampling reaches) and then to whole 16 x 16 blocks (a JPEG MCU with
4:2:0 chroma, an H.264 macroblock).  A block that is black throughout has only a DC
coefficient in each plane, so it decodes to exactly 0 — nothing of its neighbours leaks in.
``encode_jpeg`` checks that promise on every image it makes.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ridgeline.errors import VideoError

#: The side of a JPEG MCU with 4:2:0 chroma subsampling (and of an H.264 macroblock).
BLOCK = 16
#: How far beyond a polygon the stored image is blacked before growing to blocks: a
#: decoder's chroma upsampling blends each pixel with the neighbouring chroma samples
#: (2 pixels apart), so the polygon's own pixels stay clear of every block that has content.
MARGIN = 4
#: JPEG qualities tried in turn until the image fits and its masked pixels decode to 0.
QUALITIES = (85, 75, 60, 50, 40)

Polygon = Sequence[tuple[float, float]]


class PrivacyMask:
    """The union of a camera's privacy polygons (pixel coordinates of the full frame)."""

    def __init__(self, polygons: Sequence[Polygon] = ()) -> None:
        self.polygons = tuple(tuple((float(x), float(y)) for x, y in poly) for poly in polygons)
        for i, poly in enumerate(self.polygons):
            if len(poly) < 3:
                raise VideoError(f"privacy mask {i}: a polygon needs at least 3 points, got {len(poly)}")
        self._cache: dict[tuple[int, int, float, bool], np.ndarray] = {}

    def __bool__(self) -> bool:
        return bool(self.polygons)

    def covered(self, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
        """Boolean H x W image of the masked pixels, for an image ``scale`` times the frame's size."""
        return self._raster(shape[0], shape[1], scale, grown=False)

    def covered_for_jpeg(self, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
        """The masked pixels grown by ``MARGIN`` and then to whole ``BLOCK`` x ``BLOCK`` blocks."""
        return self._raster(shape[0], shape[1], scale, grown=True)

    def apply(self, image: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """A copy of ``image`` (grey or colour) with the masked pixels 0 (the image itself if none)."""
        if not self.polygons:
            return image
        out = image.copy()
        out[self.covered(image.shape, scale)] = 0
        return out

    def apply_for_jpeg(self, image: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """A copy of ``image`` blacked on whole blocks, ready for a lossy encoder."""
        if not self.polygons:
            return image
        out = image.copy()
        out[self.covered_for_jpeg(image.shape, scale)] = 0
        return out

    def _raster(self, h: int, w: int, scale: float, grown: bool) -> np.ndarray:
        key = (h, w, scale, grown)
        if key in self._cache:
            return self._cache[key]
        img: np.ndarray = np.zeros((h, w), np.uint8)
        # the pixel grid's centres: a polygon vertex at (x, y) covers pixel (x, y)
        polys = [np.round(np.asarray(p) * scale).astype(np.int32) for p in self.polygons]
        if polys:
            cv2.fillPoly(img, polys, 1)
        if grown and polys:
            img = cv2.dilate(img, np.ones((2 * MARGIN + 1, 2 * MARGIN + 1), np.uint8))
            bh, bw = -(-h // BLOCK), -(-w // BLOCK)
            padded = np.zeros((bh * BLOCK, bw * BLOCK), np.uint8)
            padded[:h, :w] = img
            blocks = padded.reshape(bh, BLOCK, bw, BLOCK).max(axis=(1, 3))
            img = np.repeat(np.repeat(blocks, BLOCK, axis=0), BLOCK, axis=1)[:h, :w]
        mask = img.astype(bool)
        if len(self._cache) > 16:  # a handful of sizes per camera; never grows with a stream
            self._cache.clear()
        self._cache[key] = mask
        return mask


def encode_jpeg(image: np.ndarray, mask: PrivacyMask, scale: float = 1.0, max_bytes: int | None = None) -> bytes:
    """JPEG bytes of ``image`` (BGR or grey) blacked on whole blocks under ``mask``.

    Tries ``QUALITIES`` in turn until the file fits in ``max_bytes`` and every masked pixel
    decodes to exactly 0; raises ``VideoError`` if none does (nothing is sent then).
    """
    img = mask.apply_for_jpeg(image, scale)
    covered = mask.covered(image.shape, scale)
    for quality in QUALITIES:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality,
                                              cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420])
        if not ok:
            raise VideoError(f"JPEG encoding of a {image.shape[1]}x{image.shape[0]} image failed")
        data = buf.tobytes()
        if max_bytes is not None and len(data) > max_bytes:
            continue
        if covered.any():
            decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
            if decoded is None or decoded[covered].any():
                continue
        return data
    raise VideoError(f"no JPEG of the {image.shape[1]}x{image.shape[0]} image fits {max_bytes} bytes "
                     "with its privacy mask intact")
