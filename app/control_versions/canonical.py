"""One canonical text per control section, so equal sections have equal hashes.

JSON with sorted keys is what is stored and hashed (exact round trip of numbers and
strings); YAML with sorted keys is what people read and diff.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import yaml


def canonical_json(section: Any) -> str:
    return json.dumps(section, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def section_sha(section: Any) -> str:
    return sha256_of(canonical_json(section))


def to_yaml(section: Any) -> str:
    return yaml.safe_dump(section, sort_keys=True, allow_unicode=True, default_flow_style=False)
