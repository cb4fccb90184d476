"""Privacy masks: exactly the polygons blacked for analysis, whole blocks for JPEG, and no
compressed image that lets anything into a masked pixel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ridgeline.errors import VideoError
from ridgeline.vision.privacy import BLOCK, PrivacyMask, encode_jpeg


def random_polygon(rng: np.random.Generator, w: int, h: int) -> list[tuple[float, float]]:
    return [(float(rng.uniform(0, w)), float(rng.uniform(0, h))) for _ in range(int(rng.integers(3, 7)))]


def test_apply_blacks_exactly_the_polygons_pixels() -> None:
    rng = np.random.default_rng(3)
    img = rng.integers(1, 256, (360, 640, 3), dtype=np.uint8)  # no pixel is 0 to start with
    polys = [[(100, 50), (300, 60), (200, 200)], [(500, 300), (630, 300), (630, 350), (500, 350)]]
    before = img.copy()
    out = PrivacyMask(polys).apply(img)
    oracle = img.copy()
    cv2.fillPoly(oracle, [np.asarray(p, np.int32) for p in polys], (0, 0, 0))
    assert np.array_equal(out, oracle)
    assert (out == 0).all(axis=2).sum() == (oracle == 0).all(axis=2).sum() > 20_000
    assert np.array_equal(img, before)  # the caller's frame is untouched
    grey = PrivacyMask(polys).apply(img[:, :, 0])
    assert np.array_equal(grey == 0, (oracle == 0).all(axis=2))
    assert PrivacyMask().apply(img) is img


def test_the_jpeg_mask_is_whole_blocks_around_the_polygons() -> None:
    mask = PrivacyMask([[(37, 21), (90, 30), (60, 70)]])
    exact = mask.covered((360, 640))
    grown = mask.covered_for_jpeg((360, 640))
    assert grown[exact].all()
    padded = np.zeros((368, 640), bool)
    padded[:360] = grown
    blocks = padded.reshape(23, BLOCK, 40, BLOCK)
    assert (blocks.all(axis=(1, 3)) == blocks.any(axis=(1, 3))).all()  # each block all in or all out
    # the polygon spans columns 37-90 and rows 21-70: blocks 2-5 across, 1-4 down
    assert sorted({int(c) for c in np.nonzero(blocks.any(axis=(1, 3)))[1]}) == [2, 3, 4, 5]
    assert sorted({int(r) for r in np.nonzero(blocks.any(axis=(1, 3)))[0]}) == [1, 2, 3, 4]


def test_every_masked_pixel_of_a_jpeg_decodes_to_zero() -> None:
    rng = np.random.default_rng(7)
    naive_leaks = 0
    for _ in range(60):
        img = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
        img[:, :, 2] = 255  # saturated red beside the mask: what chroma smoothing would carry in
        mask = PrivacyMask([random_polygon(rng, 640, 360)])
        covered = mask.covered(img.shape)
        decoded = cv2.imdecode(np.frombuffer(encode_jpeg(img, mask), np.uint8), cv2.IMREAD_COLOR)
        assert decoded.shape == img.shape
        assert not decoded[covered].any()
        assert decoded[~mask.covered_for_jpeg(img.shape)].any()
        # the polygon alone blacked, then compressed: content bleeds into the mask
        _, buf = cv2.imencode(".jpg", mask.apply(img), [cv2.IMWRITE_JPEG_QUALITY, 85])
        naive_leaks += int(cv2.imdecode(buf, cv2.IMREAD_COLOR)[covered].any())
    assert naive_leaks == 60


def test_a_scaled_image_is_masked_where_the_polygons_scale_to() -> None:
    img = np.full((180, 320), 200, np.uint8)
    mask = PrivacyMask([[(0, 0), (320, 0), (320, 100), (0, 100)]])  # rows 0-100 of the 640 x 360 frame
    decoded = cv2.imdecode(np.frombuffer(encode_jpeg(img, mask, scale=0.5), np.uint8), cv2.IMREAD_UNCHANGED)
    assert not decoded[:51, :160].any() and decoded[80:, :].min() > 150


def test_an_image_that_cannot_fit_is_refused_and_a_bad_polygon_named() -> None:
    img = np.random.default_rng(0).integers(0, 256, (360, 640, 3), dtype=np.uint8)
    with pytest.raises(VideoError, match="fits 1000 bytes"):
        encode_jpeg(img, PrivacyMask(), max_bytes=1000)
    with pytest.raises(VideoError, match="privacy mask 1: a polygon needs at least 3 points"):
        PrivacyMask([[(0, 0), (1, 0), (1, 1)], [(0, 0), (5, 5)]])
