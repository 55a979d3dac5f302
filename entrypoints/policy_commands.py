"""`credentials policy adopt FILE | list [--known-at T] | withdraw VERSION --reason R`: the policy
versions from the command line (rules.md section 9).

Each prints what the API answers (one version, or `{"versions": [...]}`), dumped by the API's own
schemas, and a version file is loaded through the API's adoption body, so a file means exactly
what the same body means over HTTP. A bad file is refused whole, naming every bad value, before
anything is recorded.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from marshmallow import Schema, ValidationError

from application.commands import AdoptPolicyVersion, WithdrawPolicyVersion
from application.service import CredentialService
from domain.credential import CLI
from domain.errors import InvalidPolicy
from entrypoints.arguments import moment

FILE_FORMAT = """\
FILE is TOML, or JSON when its name ends in .json, with the fields of POST /policy/versions:
  version         the version's name: 1 to 64 letters, digits, '.', '_' or '-'
  effective_from  the day it takes effect, YYYY-MM-DD (in TOML a date or a string)
  values          only the values that change, in the shape GET /policy lists them (and
                  `credentials policy list` prints); every other value carries over from the
                  version in force the day before effective_from

  version = "2020-01-01"
  effective_from = 2020-01-01
  [values]
  late_fee = "30.00"
  [values.certifications.CPT]
  renewal_fee = "50.00"
  [values.reminders]
  renewal_due = [60, 30, 7]

Prints the stored version, with its whole book, as JSON. A bad file (unreadable, not TOML or
JSON, or any bad value) prints every problem on stderr, one per line as `path: problem`, records
nothing and exits 2; a version whose name is taken is refused like any command (exit 1).
"""


class BadFile(Exception):
    """A version file refused as a whole: `problems` maps each bad value's path to what is wrong."""

    def __init__(self, source: Path, problems: Mapping[str, str]) -> None:
        super().__init__(f"{source} is refused: {', '.join(sorted(problems))}")
        self.source = source
        self.problems = dict(problems)

    def lines(self) -> list[str]:
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        heading = f"credentials: {self.source} is refused, nothing was recorded ({count}):"
        return [heading, *(f"{path}: {problem}" for path, problem in sorted(self.problems.items()))]


def register_policy_commands(commands: Any) -> None:
    policy = commands.add_parser("policy", help="policy versions: adopt, list, withdraw")
    actions = policy.add_subparsers(dest="policy_command", required=True)
    adopt = actions.add_parser("adopt", help="adopt a policy version from a TOML or JSON file",
                               description="Adopt a policy version.", epilog=FILE_FORMAT,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    adopt.add_argument("file", type=Path, metavar="FILE")
    listing = actions.add_parser("list", help="every version and every value of each")
    listing.add_argument("--known-at", type=moment, default=None,
                         help="as known at this ISO 8601 time with offset (default: now)")
    withdraw = actions.add_parser("withdraw", help="withdraw a version adopted in error")
    withdraw.add_argument("version")
    withdraw.add_argument("--reason", required=True)


def _schema(name: Literal["AdoptionBody", "PolicyDocument", "PolicyVersionDocument"]) -> Schema:
    # Imported when used, as `cli._serve` imports the server: importing `web` loads Flask and the
    # whole app, which every other command starts faster without.
    from web.schemas import policy, shared

    schema: type[Schema] = getattr(policy, name)
    instance: Schema = shared(schema)
    return instance


def run_policy_command(args: argparse.Namespace, app: CredentialService) -> dict[str, Any]:
    if args.policy_command == "adopt":
        body = read_version_file(args.file)
        try:
            record = app.execute(AdoptPolicyVersion(body["version"], body["effective_from"], body["values"]),
                                 recorded_by=CLI)
        except InvalidPolicy as invalid:
            raise BadFile(args.file, invalid.problems) from None
        return dict(_schema("PolicyVersionDocument").dump(record))
    if args.policy_command == "withdraw":
        record = app.execute(WithdrawPolicyVersion(args.version, args.reason), recorded_by=CLI)
        return dict(_schema("PolicyVersionDocument").dump(record))
    return dict(_schema("PolicyDocument").dump({"versions": app.policy_versions(args.known_at)}))


def read_version_file(source: Path) -> dict[str, Any]:
    """The adoption `source` states, loaded as the API loads its body; else `BadFile`."""
    try:
        text = source.read_bytes().decode("utf-8")
    except OSError as error:
        raise BadFile(source, {str(source): f"cannot be read: {error.strerror or error}"}) from None
    except UnicodeDecodeError:
        raise BadFile(source, {str(source): "is not UTF-8 text"}) from None
    is_json = source.suffix.lower() == ".json"
    try:
        document = json.loads(text) if is_json else _as_json(tomllib.loads(text))
    except (ValueError, RecursionError) as error:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise BadFile(source, {str(source): f"is not valid {'JSON' if is_json else 'TOML'}: {error}"}) from None
    try:
        loaded: dict[str, Any] = _schema("AdoptionBody").load(document)
    except ValidationError as error:
        raise BadFile(source, dict(_flattened(error.messages, str(source)))) from None
    return loaded


def _as_json(value: Any) -> Any:
    """TOML's own dates and times as the ISO text JSON would carry, so both formats load alike."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _flattened(messages: Any, whole: str, path: str = "") -> Iterator[tuple[str, str]]:
    """marshmallow's nested messages as (dotted path, sentence); `_schema` is the file as a whole."""
    if isinstance(messages, Mapping):
        for key, item in messages.items():
            outermost = whole if key == "_schema" else str(key)
            yield from _flattened(item, whole, f"{path}.{key}" if path else outermost)
    elif isinstance(messages, list):
        yield path, " ".join(str(m) for m in messages)
    else:
        yield path, str(messages)
