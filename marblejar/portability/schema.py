"""The export's JSON Schema (``schema/export-v1.schema.json``), and checking a file against it."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SCHEMA_PATH = Path(__file__).parent / "schema" / "export-v1.schema.json"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def validate(data: Any) -> None:
    """Raise ValidationError, saying where, when ``data`` does not follow the schema.

    Uses ``jsonschema`` when it is installed (it is in the test extra);
    without it, the import's own reading still refuses a malformed file.
    """
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - the test extra installs it
        return
    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or _("the top")
        raise ValidationError(
            _("The export does not follow its schema at %(where)s: %(error)s")
            % {"where": where, "error": error.message}
        )
