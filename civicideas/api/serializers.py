"""The base serializers of the API: every app's serializers derive from these.

``ModelSerializer`` makes the input rules the default, so a new serializer
gets them without thinking about it: generated relation fields are
:class:`~civicideas.api.fields.IdRelatedField` (ids parsed by the one parser,
never a 500) and generated text fields are
:class:`~civicideas.api.fields.VisibleCharField` (invisible-only text is
blank). Declared fields use the same classes (``fields.IdRelatedField``
subclasses, ``fields.VisibleCharField``); tests/hardening/test_api_fields.py
checks every serializer of the schema.
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from civicideas.api.fields import IdRelatedField, VisibleCharField


class Serializer(serializers.Serializer):
    """Plain serializer base (declared fields only); here so every API
    serializer has one root to extend."""


class ModelSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: VisibleCharField,
        models.TextField: VisibleCharField,
    }
