"""Profile photos: what is kept of the file a member uploads."""

from __future__ import annotations

import io
import secrets

from PIL import Image, ImageOps

PHOTO_KINDS = {"jpeg", "png"}
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_SIDE = 512  # pixels; the header shows it at 32, the profile at 160
PHOTO_CONTENT_TYPE = "image/jpeg"


def photo_normalize(data: bytes) -> bytes:
    """A square JPEG of at most PHOTO_SIDE pixels, turned upright, with no EXIF, GPS or other metadata.

    The caller has already checked `data` with documents.uploads.inspect_upload.
    """
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original)  # apply the camera's orientation before dropping EXIF
        if image.mode in ("P", "LA", "RGBA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        image = image.convert("RGB")
        side = min(PHOTO_SIDE, *image.size)
        image = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True)  # a new file: no exif, icc or comment is copied
    return out.getvalue()


def photo_storage_name() -> str:
    """A random name that says nothing about the member or the original file."""
    return f"profile-photos/{secrets.token_hex(16)}.jpg"
