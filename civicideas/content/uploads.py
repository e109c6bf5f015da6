"""Checking and re-encoding uploaded idea images.

Nothing a browser sends is trusted: not the file name, not the declared
content type. The order of the checks is the point:

1. size — refused before the whole file is read (at most ``MAX_UPLOAD_BYTES``
   + 1 bytes are ever read);
2. type — sniffed from the first bytes (PNG, JPEG, WebP, GIF); SVG, HTML and
   everything else are refused;
3. dimensions — read from the header by Pillow's lazy ``Image.open``, which
   decodes no pixels, so a small file claiming 50,000 x 50,000 pixels is
   refused before it can allocate gigabytes (``Image.MAX_IMAGE_PIXELS`` is set
   too, as a second net);
4. decode, auto-orient from EXIF, shrink to ``MAX_OUTPUT_SIDE``, and encode a
   fresh image from the pixels only, so EXIF (GPS position, camera serial),
   comments and anything appended to the file (a GIF/JS polyglot's payload)
   are left behind;
5. a generated name (uuid); the original name is used in messages only.

Storing is the caller's job (``ideas.services.idea_attach_images``) through
``IdeaImage.image`` and so Django's storage API.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from civicideas.errors import InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 8_000
MAX_OUTPUT_SIDE = 2_000
MAX_IMAGES_PER_IDEA = 3
JPEG_QUALITY = 85

# Pillow warns above this many pixels and raises above twice as many; the
# explicit checks in process_image come first, this is the backstop for any
# other code path that opens an image.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

#: Sniffed format → (Pillow format to decode with, format to store, extension).
_FORMATS = {
    "PNG": ("PNG", "PNG", "png"),
    "JPEG": ("JPEG", "JPEG", "jpg"),
    "WEBP": ("WEBP", "WEBP", "webp"),
    "GIF": ("GIF", "PNG", "png"),  # stored as a still PNG: first frame only
}


@dataclass(frozen=True)
class ProcessedImage:
    """A re-encoded image ready to be saved through ``IdeaImage.image``."""

    content: ContentFile
    name: str
    width: int
    height: int
    format: str
    original_name: str


def sniff_format(head: bytes) -> str | None:
    """The image format from its magic bytes, or None if not one we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _display_name(upload: Any) -> str:
    name = str(getattr(upload, "name", "") or "")
    # Only for messages: strip any path and keep it short.
    return name.replace("\\", "/").rsplit("/", 1)[-1][:80] or _("the file")


def _read_limited(upload: Any) -> bytes:
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > MAX_UPLOAD_BYTES:
        raise InvalidInput(_too_big())
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if not isinstance(data, bytes):
        raise InvalidInput(_("The file could not be read."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(_too_big())
    return data


def _too_big() -> str:
    return _("The image is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


def _check_dimensions(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise InvalidInput(_("The file is not a valid image."))
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidInput(
            _(
                "The image is too large (%(width)d x %(height)d pixels); "
                "the limit is %(side)d pixels a side and %(mp)d megapixels."
            )
            % {
                "width": width,
                "height": height,
                "side": MAX_SIDE,
                "mp": MAX_PIXELS // 1_000_000,
            }
        )


def _normalise_mode(image: Image.Image, target: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if target == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if target == "PNG" and image.mode in ("RGB", "L"):
        return image
    return image.convert("RGB")


def process_image(upload: Any) -> ProcessedImage:
    """Check and re-encode one uploaded image. Raises ``InvalidInput`` with a
    message naming the file; never lets a hostile file reach the decoder
    before its size, type and dimensions are known to be acceptable."""
    original_name = _display_name(upload)
    data = _read_limited(upload)
    sniffed = sniff_format(data[:16])
    if sniffed is None:
        raise InvalidInput(_("Only PNG, JPEG, WebP and GIF images are accepted."))
    decode_as, store_as, extension = _FORMATS[sniffed]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Lazy: reads the header only, no pixel is decoded yet. Limiting
            # ``formats`` keeps Pillow from guessing another decoder.
            with Image.open(io.BytesIO(data), formats=[decode_as]) as image:
                _check_dimensions(*image.size)
                image.seek(0)  # first frame of an animation
                image.load()
                image = ImageOps.exif_transpose(image)
                _check_dimensions(*image.size)
                image.thumbnail((MAX_OUTPUT_SIDE, MAX_OUTPUT_SIDE), Image.Resampling.LANCZOS)
                image = _normalise_mode(image, store_as)
                # A fresh image from the pixels only: no info, EXIF, ICC,
                # comments or trailing bytes of the original come along.
                clean = Image.new(image.mode, image.size)
                clean.paste(image)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            _("The image has too many pixels; the limit is %(mp)d megapixels.")
            % {"mp": MAX_PIXELS // 1_000_000}
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, Image.UnidentifiedImageError):
        raise InvalidInput(_("The file is damaged or not a valid image.")) from None

    out = io.BytesIO()
    if store_as == "JPEG":
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif store_as == "WEBP":
        clean.save(out, format="WEBP", quality=JPEG_QUALITY)
    else:
        clean.save(out, format="PNG", optimize=True)
    name = f"{uuid.uuid4().hex}.{extension}"
    return ProcessedImage(
        content=ContentFile(out.getvalue(), name=name),
        name=name,
        width=clean.width,
        height=clean.height,
        format=store_as,
        original_name=original_name,
    )
