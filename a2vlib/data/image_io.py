"""Reading and writing images with errors that name the file and say what to do."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from a2vlib.core.atomic import atomic_path
from a2vlib.core.errors import DataError


def read_image(path: str | os.PathLike, size: int | None = None) -> np.ndarray:
    """Read an image as uint8 RGB (H, W, 3); resize to ``size`` x ``size`` (bilinear) when given."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: image file not found; check the path or regenerate the dataset")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: image file is empty (0 bytes); re-copy or re-export it")
    try:
        with Image.open(path) as im:
            im.load()
            im = im.convert("RGB")
            if size is not None and im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}); give a PNG or JPEG file") from exc
    return arr


def resize_images(images: np.ndarray, height: int, width: int | None = None) -> np.ndarray:
    """uint8 (N, H, W, 3) pictures resized to ``height`` x ``width`` (default square), bilinear as
    :func:`read_image` resizes; returned as they are when already that size."""
    from PIL import Image

    width = height if width is None else width
    images = np.asarray(images)
    if images.shape[1:3] == (height, width):
        return images
    return np.stack([np.asarray(Image.fromarray(im).resize((width, height), Image.BILINEAR), dtype=np.uint8)
                     for im in images])


def check_image(img: np.ndarray, name: str = "image") -> np.ndarray:
    """Validate an in-memory image: uint8 (H, W, 3)."""
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise DataError(f"{name}: expected an RGB image of shape (H, W, 3), got {img.shape}")
    if img.dtype != np.uint8:
        raise DataError(f"{name}: expected uint8 pixels, got {img.dtype}")
    return img


def write_image(path: str | os.PathLike, img: np.ndarray) -> Path:
    """Write an RGB uint8 image atomically (format from the suffix)."""
    from PIL import Image

    path = Path(path)
    img = check_image(img, str(path))
    with atomic_path(path) as tmp:
        Image.fromarray(img).save(tmp, format=path.suffix.lstrip(".").upper().replace("JPG", "JPEG"))
    return path
