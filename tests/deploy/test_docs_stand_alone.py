"""The project carries its own reference: nothing a user reads sends them to a file outside the
repository (a clone has no ../shared/SPEC.md)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

OUTSIDE_SPEC = re.compile(r"(\.\./)?shared/SPEC\.md|\.\./shared/SPEC")


def read_by_users() -> list[Path]:
    """README, docs/ and the package: what ships to a user (tests/ and bench/ are for us)."""
    files = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    files += sorted(p for p in (REPO / "monitor").rglob("*") if p.suffix in {".py", ".md", ".toml"})
    return files


def test_nothing_users_read_points_at_the_shared_spec() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in read_by_users()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE_SPEC.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_readme_points_at_the_reference_and_it_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/reference.md" in readme
    reference = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    for heading in ("## Configuration", "## Commands", "## The event log"):
        assert heading in reference


def test_the_reference_names_every_command_and_event_type() -> None:
    from monitor.cli import cli, db_cli
    from monitor.events import EVENT_TYPES

    reference = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    commands = [c.name or c.callback.__name__ for c in cli.registered_commands]
    commands += [f"db {c.name}" for c in db_cli.registered_commands]
    missing = [c for c in commands if f"`{c}" not in reference]
    missing += [t for t in EVENT_TYPES if f"`{t}`" not in reference]
    assert not missing, f"docs/reference.md does not describe: {missing}"


def test_the_reference_names_every_configuration_key() -> None:
    from monitor.config import Settings, Source

    reference = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    keys: list[str] = []
    for name, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and hasattr(model, "model_fields"):
            keys += [f"{name}.{k}" for k in model.model_fields]
    keys += list(Source.model_fields)
    missing = [k for k in keys if not re.search(rf"[`.]{k.split('.')[-1]}\b", reference)]
    assert not missing, f"docs/reference.md does not describe: {missing}"
