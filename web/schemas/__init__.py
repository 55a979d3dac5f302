"""Marshmallow schemas for every body, parameter and answer of the HTTP contract."""
