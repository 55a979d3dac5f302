"""The staff HTTP API (contract v1): a Flask app built by `create_app`."""

from web.app import create_app

__all__ = ["create_app"]
