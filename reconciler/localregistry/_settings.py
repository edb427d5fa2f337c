"""Compatibility config and modes: where they are stored, looked up and changed.

Confluent keeps both per subject, per context (``:.ctx:``) and globally
(``/config``, ``/mode``, which is also the default context's level).
"""

from __future__ import annotations

import sqlite3

from reconciler.compatibility import LEVELS
from reconciler.confluent import (
    DEFAULT_LEVEL,
    DEFAULT_MODE,
    MODES,
    TOP_LEVEL,
    WRITE_BLOCKING_MODES,
    in_force,
    is_valid_subject,
    lookup_chain,
    own_or_default,
)

from . import _errors as errors
from . import _store as store
from ._contexts import Subject
from ._contracts import CONFIG_CONTRACTS, validate_rule_set


def config_scope(subject: Subject) -> Subject:
    """The key config and mode are stored under; the default context's level is global."""
    return store.GLOBAL if subject == TOP_LEVEL else subject


def effective_config(conn: sqlite3.Connection, subject: Subject) -> dict[str, object]:
    """The config in force for ``subject`` (Confluent's getConfigInScope)."""
    for scope in lookup_chain(subject):
        found = store.get_config(conn, config_scope(scope))
        if found is not None:
            return found
    return {"compatibilityLevel": DEFAULT_LEVEL}


def effective_mode(conn: sqlite3.Connection, subject: Subject) -> str:
    """The mode in force (getModeInScope): the most specific level's."""
    modes = (store.get_mode(conn, config_scope(scope)) for scope in lookup_chain(subject))
    return in_force(modes, DEFAULT_MODE)


def require_writable(conn: sqlite3.Connection, subject: Subject) -> None:
    if effective_mode(conn, subject) in WRITE_BLOCKING_MODES:
        raise errors.not_permitted(f"Subject {subject.qualified} is in read-only mode")


def check_name(subject: Subject, *, config_or_mode: bool = True) -> None:
    """Confluent's isValidSubject, else 42208."""
    if not is_valid_subject(subject.qualified, config_or_mode=config_or_mode):
        raise errors.invalid_subject(subject.qualified)


class Settings:
    """The /config and /mode endpoints."""

    def __init__(self, db: store.Store) -> None:
        self.store = db

    def get_config(self, scope: Subject, *, default_to_global: bool) -> dict[str, object]:
        if default_to_global:
            with self.store.read() as conn:
                return effective_config(conn, scope)
        with self.store.read_one() as conn:
            found = store.get_config(conn, config_scope(scope))
        if found is None and own_or_default(scope, None, DEFAULT_LEVEL) is not None:
            found = {"compatibilityLevel": DEFAULT_LEVEL}
        if found is None:
            raise errors.compatibility_not_configured(scope.qualified)
        return found

    def set_config(self, scope: Subject, body: dict[str, object]) -> dict[str, object]:
        """Store the fields given; the answer is the request, as Confluent's.

        Like Confluent's ``ConfigValue.update``, fields the request leaves out
        keep their stored values; a contract field replaces the stored one whole.
        """
        level = body.get("compatibility")
        if level is not None and (not isinstance(level, str) or level.upper() not in LEVELS):
            raise errors.invalid_compatibility(level)
        normalize = body.get("normalize")
        contracts = {
            key: parse(body.get(key))
            for key, parse in CONFIG_CONTRACTS.items()
            if body.get(key) is not None
        }
        for key in ("defaultRuleSet", "overrideRuleSet"):
            if key in contracts:
                validate_rule_set(contracts[key])
        if level is None and normalize is None and not contracts:
            raise errors.invalid_compatibility(level)
        check_name(scope)
        with self.store.write() as conn:
            require_writable(conn, scope)
            key = config_scope(scope)
            updated = dict(store.get_config(conn, key) or {})
            if isinstance(level, str):
                updated["compatibilityLevel"] = level.upper()
            updated.setdefault(
                "compatibilityLevel", effective_config(conn, scope)["compatibilityLevel"]
            )
            if normalize is not None:
                updated["normalize"] = normalize
            updated.update(contracts)
            store.set_config(conn, key, updated)
        answer = {k: body[k] for k in ("compatibility", "normalize") if body.get(k) is not None}
        return {**answer, **contracts}

    def delete_config(self, scope: Subject) -> dict[str, object]:
        with self.store.write() as conn:
            key = config_scope(scope)
            previous = store.get_config(conn, key)
            if previous is None:
                if key != store.GLOBAL:
                    raise errors.subject_not_found(scope.qualified)
                previous = {"compatibilityLevel": DEFAULT_LEVEL}
            require_writable(conn, scope)
            store.delete_config(conn, key)
            return {"compatibilityLevel": previous["compatibilityLevel"]}

    # -- mode -----------------------------------------------------------------

    @staticmethod
    def _own_mode(conn: sqlite3.Connection, scope: Subject) -> str | None:
        """Confluent's getMode: the level's own mode (the top level's defaults)."""
        return own_or_default(scope, store.get_mode(conn, config_scope(scope)), DEFAULT_MODE)

    def get_mode(self, scope: Subject, *, default_to_global: bool) -> dict[str, str]:
        if default_to_global:
            with self.store.read() as conn:
                return {"mode": effective_mode(conn, scope)}
        with self.store.read_one() as conn:
            found = self._own_mode(conn, scope)
        if found is None:
            raise errors.mode_not_configured(scope.qualified)
        return {"mode": found}

    def set_mode(self, scope: Subject, mode: object, *, force: bool) -> dict[str, str]:
        if not isinstance(mode, str) or mode.upper() not in MODES:
            raise errors.invalid_mode(mode)
        check_name(scope)
        with self.store.write() as conn:
            key = config_scope(scope)
            new = mode.upper()
            if new == "IMPORT" and effective_mode(conn, scope) != "IMPORT" and not force:
                self._prepare_import(conn, key)
            store.set_mode(conn, key, new)
        # Confluent answers with the request itself.
        return {"mode": mode}

    @staticmethod
    def _prepare_import(conn: sqlite3.Connection, key: Subject) -> None:
        """IMPORT needs an empty scope; leftover soft-deleted versions are purged."""
        if key == store.GLOBAL:
            scope_subjects = store.subjects(conn, None, deleted=True)
        elif key.is_context:
            scope_subjects = store.subjects(conn, key.context, deleted=True)
        else:
            scope_subjects = [key]
        doomed: list[store.StoredVersion] = []
        for subject in scope_subjects:
            versions = store.versions_of(conn, subject, deleted=True)
            if any(not v.deleted for v in versions):
                raise errors.not_permitted("Cannot import since found existing subjects")
            doomed += versions
        for version in doomed:
            if store.referrers(conn, version.subject, version.version):
                raise errors.reference_exists(version.subject.qualified, version.version)
        for version in doomed:
            store.hard_delete_version(conn, version.subject, version.version)

    def delete_mode(self, scope: Subject, *, recursive: bool = False) -> dict[str, str]:
        """Confluent's deleteSubjectMode; ``recursive`` on a context also deletes the
        modes of the subjects in it, and on the top level every mode stored (the
        default context's subject prefix is empty). A level without a mode of its
        own is then no 40401: the answer has no mode."""
        with self.store.write() as conn:
            key = config_scope(scope)
            previous = self._own_mode(conn, scope)
            if previous is None and not recursive:
                raise errors.subject_not_found(scope.qualified)
            store.delete_mode(conn, key)
            if recursive and scope.is_context:
                store.delete_modes_under(conn, None if key == store.GLOBAL else key.context)
            return {} if previous is None else {"mode": previous}
