"""Image uploads: hostile files refused before decoding, accepted ones
re-encoded without EXIF under a generated name, all-or-nothing attach."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import PurePosixPath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from civicideas.content import uploads
from civicideas.content.uploads import MAX_UPLOAD_BYTES, process_image
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy import city_context
from ideas.models import IdeaImage
from ideas.services import idea_attach_images
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory


def image_bytes(fmt: str, size=(64, 48), mode="RGB", **save_kwargs) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(
        out, format=fmt, **save_kwargs
    )
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored_image(processed) -> Image.Image:
    return Image.open(io.BytesIO(processed.content.read()))


# --- process_image ------------------------------------------------------------


def test_valid_png_is_reencoded_under_a_generated_name():
    result = process_image(upload("holiday photo.png", image_bytes("PNG"), "image/png"))
    assert result.format == "PNG"
    assert result.name.endswith(".png") and "holiday" not in result.name
    assert len(result.name) == 32 + 4
    assert (result.width, result.height) == (64, 48)
    assert stored_image(result).size == (64, 48)


def test_valid_webp_is_accepted():
    result = process_image(upload("x.webp", image_bytes("WEBP", size=(30, 20)), "image/webp"))
    assert result.format == "WEBP" and result.name.endswith(".webp")
    img = stored_image(result)
    assert img.format == "WEBP" and img.size == (30, 20)


def test_large_image_is_shrunk_to_the_maximum_side():
    data = image_bytes("JPEG", size=(3000, 1500))
    result = process_image(upload("big.jpg", data))
    assert (result.width, result.height) == (2000, 1000)


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    with pytest.raises(InvalidInput, match="PNG, JPEG, WebP and GIF"):
        process_image(upload("logo.svg", svg, "image/svg+xml"))


def test_html_renamed_jpg_is_refused_whatever_the_browser_claims():
    html = b"<!doctype html><script>alert(document.cookie)</script>"
    with pytest.raises(InvalidInput, match="PNG, JPEG, WebP and GIF"):
        process_image(upload("cat.jpg", html, "image/jpeg"))


def test_decompression_bomb_header_refused_before_decoding(monkeypatch):
    data = png_claiming(50_000, 50_000)
    assert len(data) < 200
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(1))
    with pytest.raises(InvalidInput, match=r"too (large|many pixels)"):
        process_image(upload("bomb.png", data, "image/png"))
    assert decoded == []
    assert Image.MAX_IMAGE_PIXELS == uploads.MAX_PIXELS


def test_image_too_wide_but_few_pixels_refused():
    with pytest.raises(InvalidInput, match="too large"):
        process_image(upload("strip.png", png_claiming(9_000, 10), "image/png"))


def test_twenty_megabyte_file_refused_without_reading_it_all():
    data = image_bytes("PNG") + b"\x00" * (20 * 1024 * 1024)

    class Counting(io.BytesIO):
        read_sizes: list[int] = []

        def read(self, size=-1):
            self.read_sizes.append(size)
            return super().read(size)

    f = Counting(data)
    with pytest.raises(InvalidInput, match="larger than 5 MB"):
        process_image(f)
    assert f.read_sizes == [MAX_UPLOAD_BYTES + 1]
    # And from the declared size alone, nothing is read.
    big = upload("big.png", data, "image/png")
    with pytest.raises(InvalidInput, match="larger than 5 MB"):
        process_image(big)


def test_gif_js_polyglot_is_refused_or_cleaned():
    payload = b"*/=alert(document.domain);/*"
    # A real GIF with the script in a comment extension and after the trailer.
    valid = image_bytes("GIF", size=(8, 8), mode="RGB", comment=payload)
    polyglot = valid + payload
    result = process_image(upload("funny.gif", polyglot, "image/gif"))
    stored = result.content.read()
    assert b"alert" not in stored
    assert result.format == "PNG" and stored.startswith(b"\x89PNG")
    # The classic hand-made one ("GIF89a/*...") is not a decodable image.
    crafted = b"GIF89a/*\x00\x00\x00\x00*/=alert(1);//" + b"\x00" * 20
    with pytest.raises(InvalidInput):
        process_image(upload("funny2.gif", crafted, "image/gif"))


def test_gps_exif_is_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = {1: "N", 2: (50.0, 51.0, 0.0), 3: "E", 4: (4.0, 21.0, 0.0)}
    exif[0x8825] = gps
    data = image_bytes("JPEG", size=(80, 40), exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the input has GPS
    result = process_image(upload("phone.jpg", data))
    img = stored_image(result)
    assert dict(img.getexif()) == {}
    assert "exif" not in img.info
    assert b"SpyCam" not in result.content.read()
    assert (result.width, result.height) == (40, 80)  # auto-oriented


def test_truncated_image_refused():
    data = image_bytes("PNG", size=(200, 200))[:60]
    with pytest.raises(InvalidInput, match="damaged"):
        process_image(upload("cut.png", data, "image/png"))


# --- idea_attach_images ---------------------------------------------------------


@pytest.mark.django_db
def test_author_attaches_images_stored_with_generated_names(city):
    with city_context(city):
        idea = IdeaFactory()
        images = idea_attach_images(
            idea=idea,
            by=idea.author,
            files=[
                upload("a.png", image_bytes("PNG"), "image/png"),
                upload("b.webp", image_bytes("WEBP"), "image/webp"),
            ],
            alt_texts=["A red square"],
        )
        assert [i.position for i in images] == [0, 1]
        rows = list(IdeaImage.objects.filter(idea=idea))
        assert len(rows) == 2
        assert rows[0].alt_text == "A red square"
        for row in rows:
            assert row.image.name.startswith("ideas/")
            # A generated name (uuid hex), never the uploader's: the old check
            # "'a.png' not in name" failed whenever the uuid ended in "a".
            assert re.fullmatch(r"[0-9a-f]{32}\.(png|jpg|webp)", PurePosixPath(row.image.name).name)
            assert row.image.storage.exists(row.image.name)
            assert (row.width, row.height) == (64, 48)


@pytest.mark.django_db
def test_only_the_author_attaches(city):
    with city_context(city):
        idea = IdeaFactory()
        with pytest.raises(NotAllowed):
            idea_attach_images(
                idea=idea, by=UserFactory(), files=[upload("a.png", image_bytes("PNG"))]
            )
        assert not IdeaImage.objects.exists()


@pytest.mark.django_db
def test_one_bad_file_refuses_the_batch_with_a_message_per_file(city):
    with city_context(city):
        idea = IdeaFactory()
        with pytest.raises(InvalidInput) as err:
            idea_attach_images(
                idea=idea,
                by=idea.author,
                files=[
                    upload("good.png", image_bytes("PNG")),
                    upload("evil.svg", b"<svg onload=alert(1)>"),
                    upload("bomb.png", png_claiming(50_000, 50_000)),
                ],
            )
        assert "evil.svg" in err.value.message and "bomb.png" in err.value.message
        assert "good.png" not in err.value.message
        assert not IdeaImage.objects.exists()


@pytest.mark.django_db
def test_at_most_three_images_in_total(city):
    with city_context(city):
        idea = IdeaFactory()
        idea_attach_images(
            idea=idea, by=idea.author, files=[upload(f"{i}.png", image_bytes("PNG")) for i in "ab"]
        )
        with pytest.raises(InvalidInput, match="at most 3"):
            idea_attach_images(
                idea=idea,
                by=idea.author,
                files=[upload(f"{i}.png", image_bytes("PNG")) for i in "cd"],
            )
        with pytest.raises(InvalidInput, match="at most 3"):
            idea_attach_images(
                idea=idea,
                by=idea.author,
                files=[upload(f"{i}.png", image_bytes("PNG")) for i in "wxyz"],
            )
        assert IdeaImage.objects.filter(idea=idea).count() == 2


@pytest.mark.django_db
def test_failed_transaction_leaves_no_file_behind(city, monkeypatch):
    with city_context(city):
        idea = IdeaFactory()
        storage = IdeaImage._meta.get_field("image").storage
        saved: list[str] = []
        original_save = IdeaImage.save
        calls = {"n": 0}

        def failing_save(self, *args, **kwargs):
            saved.append(self.image.name)
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("database went away")
            return original_save(self, *args, **kwargs)

        monkeypatch.setattr(IdeaImage, "save", failing_save)
        with pytest.raises(RuntimeError):
            idea_attach_images(
                idea=idea,
                by=idea.author,
                files=[upload(f"{i}.png", image_bytes("PNG")) for i in "ab"],
            )
        monkeypatch.setattr(IdeaImage, "save", original_save)
        assert len(saved) == 2
        assert not any(storage.exists(name) for name in saved)
        assert not IdeaImage.objects.filter(idea=idea).exists()
