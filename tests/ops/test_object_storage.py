"""Uploads in an S3-compatible object store (issue 18), against a real S3 API
server — moto in server mode, on a free loopback port, started here.

The idea is submitted with an image through the citizens' own submit view,
and the image is read back through the URL the idea page renders: a signed
URL with a short expiry, pointing at the store (never at /media/), for an
object stored without any public grant.
"""

from __future__ import annotations

import io
import re
import time
import urllib.request
from html import unescape
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from civicideas.ops.backup import storage_files
from civicideas.ops.health import STORAGE_TIMEOUT_SECONDS
from civicideas.settings.storage import default_storage_from_url, media_csp_sources
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Idea, IdeaImage
from tests.conftest import client_for, make_member
from tests.ideas.factories import ChallengeFactory

BUCKET = "civicideas-media"
REGION = "eu-west-1"
KEY, SECRET = "test-key", "test-secret"
PUBLIC_READ_GRANTEE = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on 127.0.0.1 and a port the OS picked; one bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield endpoint, client
    server.stop()


def storage_url(endpoint: str, **extra: str) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"expire": "120", **extra}.items())
    return (
        f"s3://{KEY}:{SECRET}@{BUCKET}/uploads"
        f"?endpoint_url={endpoint}&region={REGION}&addressing_style=path&{params}"
    )


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    endpoint, client = s3_endpoint
    entry = default_storage_from_url(storage_url(endpoint), media_root="/unused")
    settings.STORAGES = {**settings.STORAGES, "default": entry}
    settings.SERVE_MEDIA = False
    return endpoint, client


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


# --- configuration ------------------------------------------------------------


def test_no_url_means_local_files_under_media_root(tmp_path):
    for url in ("", "file:", "  "):
        entry = default_storage_from_url(url, media_root=tmp_path)
        assert entry == {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        }
    assert default_storage_from_url("file:///srv/media", media_root=tmp_path)["OPTIONS"] == {
        "location": "/srv/media"
    }
    assert media_csp_sources(default_storage_from_url("", media_root=tmp_path)) == []


def test_s3_url_is_private_signed_and_bounded_in_time():
    entry = default_storage_from_url(
        "s3://k%2Fey:s%40cret@bucket/tenant-media?endpoint_url=https://minio.internal:9000"
        "&region=eu-central-1&addressing_style=path&expire=300",
        media_root="/unused",
    )
    options = entry["OPTIONS"]
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "bucket" and options["location"] == "tenant-media"
    assert options["default_acl"] is None  # the bucket's policy applies: private
    assert options["querystring_auth"] is True and options["querystring_expire"] == 300
    assert options["file_overwrite"] is False
    assert (options["access_key"], options["secret_key"]) == ("k/ey", "s@cret")
    assert options["client_config"].connect_timeout <= 3
    assert media_csp_sources(entry) == [
        "https://minio.internal:9000",
        "https://*.minio.internal:9000",
    ]
    # Without credentials in the URL, boto3's own chain (AWS_* variables) applies.
    plain = default_storage_from_url("s3://bucket", media_root="/unused")["OPTIONS"]
    assert "access_key" not in plain and plain["querystring_expire"] == 600


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/media", "unknown scheme"),
        ("s3://", "needs a bucket"),
        ("s3://bucket?endpoint=http://x", "unknown parameter"),
        ("s3://bucket?expire=soon", "number of seconds"),
        ("s3://bucket?expire=0", "1 to 604800"),
        ("s3://bucket?expire=99999999", "1 to 604800"),
    ],
)
def test_a_bad_url_fails_at_start_up_without_echoing_secrets(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        default_storage_from_url(url.replace("s3://", "s3://key:topsecret@"), media_root="/x")
    assert "topsecret" not in str(error.value)


# --- through the app -----------------------------------------------------------


@pytest.mark.django_db
def test_submitted_image_is_stored_privately_and_read_through_its_signed_url(city, s3_storage):
    endpoint, client = s3_storage
    with city_context(city):
        ChallengeFactory(slug="green", require_verified_email=False)
    citizen = make_member(city, Role.CITIZEN)
    browser = client_for(citizen, city)
    response = browser.post(
        reverse("ideas:submit", args=["green"]),
        {
            "title": "A pond in the park",
            "body": "With frogs.",
            "language": "en",
            "submission_token": "6f1d0c1e-6a0b-4f0e-9a55-2b1b0c6f0a11",
            "image_description": "A sketch of the pond",
            "images": SimpleUploadedFile("pond.png", png_bytes(), "image/png"),
            "submit": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with city_context(city):
        image = IdeaImage.objects.get()
        idea = Idea.objects.get()
    # Stored in the bucket under the configured prefix, with no public grant.
    key = f"uploads/{image.image.name}"
    head = client.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] > 0
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all(g["Grantee"].get("URI") != PUBLIC_READ_GRANTEE for g in grants)

    page = browser.get(reverse("ideas:idea", args=[idea.pk]))
    assert page.status_code == 200
    sources = re.findall(r'<img src="([^"]+)" alt="A sketch of the pond"', page.content.decode())
    assert len(sources) == 1
    url = unescape(sources[0])
    assert url.startswith(f"{endpoint}/{BUCKET}/{key}?")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"] and query["X-Amz-Signature"]
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback moto
        body = answer.read()
    assert Image.open(io.BytesIO(body)).size == (40, 30)

    # Backups list the store through the same storage API.
    assert image.image.name in list(storage_files(default_storage))

    # The platform never proxies an object store's files at /media/.
    assert browser.get(f"/media/{image.image.name}").status_code == 404


@pytest.mark.django_db
def test_readiness_checks_the_object_store(settings, s3_storage, closed_port):
    from django.test import Client

    ready = Client().get("/readyz", HTTP_HOST="10.0.0.7").json()
    assert ready["storage"] == "ok" and ready["status"] == "ok"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_from_url(
            storage_url(f"http://127.0.0.1:{closed_port}"), media_root="/unused"
        ),
    }
    started = time.monotonic()
    response = Client().get("/readyz", HTTP_HOST="10.0.0.7")
    assert time.monotonic() - started < STORAGE_TIMEOUT_SECONDS + 1
    # Uploads fail, but pages still render: degraded, not taken out.
    assert response.status_code == 200
    assert response.json()["storage"] == "down"
    assert response.json()["status"] == "degraded: storage"
    # /healthz (liveness) does not look at the storage at all.
    assert "storage" not in Client().get("/healthz", HTTP_HOST="10.0.0.7").json()


class HangingStorage(InMemoryStorage):
    """A storage whose server accepts the connection and never answers (a
    wedged NFS mount, a black-holed object store)."""

    def exists(self, name: str) -> bool:
        time.sleep(STORAGE_TIMEOUT_SECONDS + 2)
        return False


@pytest.mark.django_db
def test_a_hanging_storage_is_reported_within_the_probe_deadline(settings):
    from django.test import Client

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.HangingStorage"},
    }
    started = time.monotonic()
    response = Client().get("/readyz", HTTP_HOST="10.0.0.7")
    assert time.monotonic() - started < STORAGE_TIMEOUT_SECONDS + 1
    assert (response.status_code, response.json()["storage"]) == (200, "down")


def test_signed_urls_must_outlive_the_page_cache():
    """A cached page carries the URLs signed when it was rendered: a shorter
    expiry than the page cache would show broken images, so it does not start."""
    from tests.ops.conftest import manage

    env = {"DJANGO_SETTINGS_MODULE": "civicideas.settings.dev", "PAGE_CACHE_SECONDS": "60"}
    refused = manage("check", env={**env, "MEDIA_STORAGE_URL": "s3://bucket?expire=100"})
    assert refused.returncode == 1
    assert "at least twice PAGE_CACHE_SECONDS (60)" in refused.stderr
    accepted = manage("check", env={**env, "MEDIA_STORAGE_URL": "s3://bucket?expire=120"})
    assert accepted.returncode == 0, accepted.stderr
