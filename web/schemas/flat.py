"""A schema whose dump reads each field's value straight from the object: the key of a dict, else
the attribute of an object.

Why: a history page dumps a thousand status documents, each of about thirty fields in four nested
schemas, and marshmallow reads each value through a general accessor (dotted paths, item or
attribute lookups tried in turn): measured, about a third of the page's CPU. These schemas name
plain attributes only, so the direct read gives the same document (a test dumps every demo
member's answers both ways and compares them). Each field still formats its value itself
(`_serialize`), and the pre- and post-dump hooks run as marshmallow runs them.

Where the direct read could differ from marshmallow's, it is not used: a schema or field that
overrides how values are read, or an object that is not a dict but can be indexed (marshmallow
indexes it first). A dotted attribute is refused outright: it is a mistake in a flat schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields
from marshmallow.utils import missing


def reads_plainly(field: fields.Field[Any]) -> bool:
    """Whether `field` reads its value as marshmallow's base Field does."""
    kind = type(field)
    return kind.serialize is fields.Field.serialize and kind.get_value is fields.Field.get_value


class FlatSchema(Schema):
    """A marshmallow schema dumped by direct reads (above); `direct_reads` False turns them off."""

    direct_reads = True

    def _init_fields(self) -> None:
        # Also when marshmallow narrows a copy (`only`, `exclude` given to a Nested field): the reads
        # follow the fields dumped.
        super()._init_fields()
        self._reads = tuple((field.attribute or name, name, field.data_key or name, field)
                            for name, field in self.dump_fields.items())
        if any("." in source for source, _, _, _ in self._reads):
            raise TypeError(f"{type(self).__name__}: a dotted attribute needs marshmallow's own accessor")
        self._direct = type(self).get_attribute is Schema.get_attribute and all(
            reads_plainly(field) for _, _, _, field in self._reads)

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        mapping = isinstance(obj, Mapping)
        if many or not (self.direct_reads and self._direct) or (not mapping and hasattr(obj, "__getitem__")):
            return super()._serialize(obj, many=many)
        dumped = {}
        for source, name, key, field in self._reads:
            if field._CHECK_ATTRIBUTE:
                value = obj.get(source, missing) if mapping else getattr(obj, source, missing)
                if value is missing and mapping:
                    value = getattr(obj, source, missing)  # as marshmallow does for a key not in a dict
                if value is missing:
                    default = field.dump_default
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
            else:
                value = None  # a field that computes its value (Method, Function)
            formatted = field._serialize(value, name, obj)
            if formatted is not missing:
                dumped[key] = formatted
        return dumped
