"""A schema whose dump reads each field's value straight from the object: the key of a dict, else
the attribute of an object.

Why: a history page dumps a thousand status documents, each of about thirty fields in four nested
schemas, and marshmallow reads each value through a general accessor (dotted paths, item or
attribute lookups tried in turn): measured, about a third of the page's CPU. These schemas name
plain attributes only, so the direct read gives the same document (a test dumps every demo
member's answers both ways and compares them). Each field still formats its value itself
(`_serialize`), and the pre- and post-dump hooks run as marshmallow runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema
from marshmallow.utils import missing


class FlatSchema(Schema):
    """A marshmallow schema dumped by direct reads (above); `direct_reads` False turns them off."""

    direct_reads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reads = tuple((field.attribute or name, name, field.data_key or name, field)
                            for name, field in self.dump_fields.items())
        if any("." in source for source, _, _, _ in self._reads):
            raise TypeError(f"{type(self).__name__}: a dotted attribute needs marshmallow's own accessor")

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many or not self.direct_reads:
            return super()._serialize(obj, many=many)
        read = obj.get if isinstance(obj, Mapping) else lambda name, default: getattr(obj, name, default)
        dumped = {}
        for source, name, key, field in self._reads:
            if not field._CHECK_ATTRIBUTE:  # a field that computes its value (Method, Function)
                dumped[key] = field._serialize(None, name, obj)
                continue
            value = read(source, missing)
            if value is missing:
                default = field.dump_default
                value = default() if callable(default) else default
                if value is missing:
                    continue
            dumped[key] = field._serialize(value, name, obj)
        return dumped
