"""`POST /imports`: its query and its answer, the import's report (also what `credentials import` prints)."""

from __future__ import annotations

from marshmallow import Schema, fields


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, truthy={"true", "1", "yes"}, falsy={"false", "0", "no"},
                             metadata={"description": "judge every row and report, but record nothing"})


class RefusedRow(Schema):
    row_id = fields.String(required=True)
    line = fields.Integer(required=True, metadata={"description": "the file's line; the header is line 1"})
    code = fields.String(required=True, metadata={"description": "the rule or the problem, as the API's codes"})
    message = fields.String(required=True)


class ImportDocument(Schema):
    rows = fields.Integer(required=True)
    recorded = fields.Integer(required=True, metadata={
        "description": "rows recorded; in a dry run, the rows that would be; rows an earlier import of the same "
                       "rows recorded are not counted again (see `already_imported`)"})
    refused = fields.List(fields.Nested(RefusedRow), required=True)
    dry_run = fields.Boolean(required=True)
    already_imported = fields.Integer(required=True, metadata={
        "description": "rows recorded by an earlier import of the same rows (same row_id and content)"})
    members = fields.Integer(required=True, metadata={"description": "distinct members the rows name"})
    assumed = fields.List(fields.String(), required=True, metadata={
        "description": "how the file was read where a spreadsheet could have meant two things (a byte order "
                       "mark, ';' separators, blank rows skipped)"})
