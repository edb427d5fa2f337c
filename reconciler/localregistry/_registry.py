"""The registry's semantics, as Confluent's KafkaSchemaRegistry implements them.

Each public method is one request: it runs in one SQLite transaction and
either returns the JSON-ready answer or raises an ``ErrorResponse``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from functools import cached_property

from reconciler.compatibility import ParsedSchema, check, formatted, invalid_defaults
from reconciler.confluent import (
    WRITE_BLOCKING_MODES,
    Reference,
    transitive,
    versions_checked,
)

from . import _errors as errors
from . import _store as store
from ._contexts import DEFAULT_CONTEXT, Subject, prefix_filter, prefix_matcher
from ._contracts import (
    Contract,
    has_defaults_or_overrides,
    validate_rule_set,
    with_inherited,
)
from ._requests import LATEST, SchemaRequest
from ._schemas import (
    identity,
    parse_schema,
    parse_stored,
    reference_target,
    stored_identity,
)
from ._settings import (
    Settings,
    check_name,
    effective_config,
    effective_mode,
    require_writable,
)


def _drop_settings(conn: sqlite3.Connection, subject: Subject) -> None:
    """A subject's own config and mode go when its last version is permanently deleted.

    Confluent's KafkaSchemaRegistry.deleteSubject (permanent) and
    deleteSchemaVersion (permanent, when no version is left, soft-deleted or
    not); a soft delete keeps them.
    """
    store.delete_mode(conn, subject)
    store.delete_config(conn, subject)


def _contract_json(
    out: dict[str, object], metadata: Contract | None, rule_set: Contract | None
) -> None:
    """Confluent writes ``metadata``/``ruleSet`` when set (even as ``{}``), never as null."""
    if metadata is not None:
        out["metadata"] = metadata
    if rule_set is not None:
        out["ruleSet"] = rule_set


def schema_json(version: store.StoredVersion, schema: store.StoredSchema) -> dict[str, object]:
    """Confluent's Schema entity; schemaType and references are left out when default/empty."""
    return _entity(
        version.subject.qualified,
        version.version,
        schema.id,
        schema.schema_type,
        schema.references,
        schema.metadata,
        schema.rule_set,
        schema.schema,
    )


def _entity(
    subject: str,
    version: int,
    schema_id: int,
    schema_type: str,
    references: list[dict[str, object]],
    metadata: Contract | None,
    rule_set: Contract | None,
    schema: str,
) -> dict[str, object]:
    out: dict[str, object] = {"subject": subject, "version": version, "id": schema_id}
    if schema_type != "AVRO":
        out["schemaType"] = schema_type
    if references:
        out["references"] = references
    _contract_json(out, metadata, rule_set)
    out["schema"] = schema
    return out


def _listed_json(row: store.ListedVersion) -> dict[str, object]:
    """``schema_json`` of a ``GET /schemas`` row, the JSON columns parsed only when set."""
    subject, version, schema_id, schema_type, schema, refs, metadata, rule_set = row
    if schema_type is None:
        raise errors.store_error(f"Schema {schema_id} is missing from the store")
    return _entity(
        subject,
        version,
        schema_id,
        schema_type,
        [] if refs == "[]" else json.loads(refs),
        None if metadata is None else json.loads(metadata),
        None if rule_set is None else json.loads(rule_set),
        schema,
    )


def _formatted(conn: sqlite3.Connection, stored: store.StoredSchema, schema_format: str) -> str:
    """The text a read with ``?format=`` answers: without one the stored text, with one
    Confluent's ``formattedString`` of the stored schema parsed again."""
    if not schema_format.strip():
        return stored.schema
    return formatted(parse_stored(conn, Subject(stored.context, ""), stored), schema_format)


@dataclass(frozen=True)
class _Candidate:
    """A request's schema in its stored form."""

    parsed: ParsedSchema
    text: str
    schema_type: str
    references: list[Reference]
    metadata: Contract | None
    rule_set: Contract | None
    identity: str

    def with_contract(self, metadata: Contract | None, rule_set: Contract | None) -> _Candidate:
        return replace(
            self,
            metadata=metadata,
            rule_set=rule_set,
            identity=identity(self.schema_type, self.text, self.references, metadata, rule_set),
        )

    def registered_json(self, schema_id: int, version: int) -> dict[str, object]:
        """Confluent's RegisterSchemaResponse for a registration it filled in.

        Confluent answers ``{"id"}`` alone unless the registered schema got
        metadata or a rule set (or an empty schema was filled from the latest
        version); then it answers the whole registered schema.
        """
        out: dict[str, object] = {"id": schema_id, "version": version}
        if self.schema_type != "AVRO":
            out["schemaType"] = self.schema_type
        if self.references:
            out["references"] = [r.to_json() for r in self.references]
        _contract_json(out, self.metadata, self.rule_set)
        out["schema"] = self.text
        return out


class _Latest:
    """A subject's latest live version and its schema, each read at most once per request
    (a registration asks for them in its repeat check, its own work and its
    compatibility check)."""

    def __init__(self, conn: sqlite3.Connection, subject: Subject) -> None:
        self.conn = conn
        self.subject = subject

    @cached_property
    def version(self) -> store.StoredVersion | None:
        return store.latest_version(self.conn, self.subject)

    @cached_property
    def schema(self) -> store.StoredSchema | None:
        return None if self.version is None else Registry._schema_of(self.conn, self.version)


class Registry:
    """Subjects, versions, schemas and compatibility checks; ``settings`` has config and mode."""

    def __init__(self, db: store.Store) -> None:
        self.store = db
        self.settings = Settings(db)

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def _candidate(
        conn: sqlite3.Connection, subject: Subject, req: SchemaRequest, normalize: bool
    ) -> _Candidate:
        if not req.schema or not req.schema.strip():
            raise errors.invalid_schema("Empty schema")
        refs = list(req.references)
        parsed = parse_schema(conn, subject, req.schema_type, req.schema, refs)
        text = parsed.normalized if normalize else parsed.canonical
        return _Candidate(
            parsed,
            text,
            req.schema_type,
            refs,
            req.metadata,
            req.rule_set,
            identity(req.schema_type, text, refs, req.metadata, req.rule_set),
        )

    @staticmethod
    def _resolve(
        conn: sqlite3.Connection, subject: Subject, version: int, *, deleted: bool
    ) -> store.StoredVersion:
        """A version of a subject, or Confluent's 40401/40402."""
        if version == LATEST:
            found = store.latest_version(conn, subject)
        else:
            found = store.get_version(conn, subject, version)
            if found is not None and found.deleted and not deleted:
                found = None
        if found is None:
            if store.latest_version(conn, subject, deleted=deleted) is None:
                raise errors.subject_not_found(subject.qualified)
            raise errors.version_not_found(version)
        return found

    @staticmethod
    def _schema_of(conn: sqlite3.Connection, version: store.StoredVersion) -> store.StoredSchema:
        schema = store.get_schema(conn, version.subject.context, version.schema_id)
        if schema is None:
            raise errors.store_error(f"Schema {version.schema_id} is missing from the store")
        return schema

    # -- subjects and versions ------------------------------------------------

    def list_subjects(self, prefix: str, *, deleted: bool, deleted_only: bool) -> list[str]:
        matches = prefix_matcher(prefix)
        with self.store.read() as conn:
            live = set(store.subjects(conn, None))
            every = store.subjects(conn, None, deleted=True) if deleted or deleted_only else []
        if deleted_only:
            chosen = [s for s in every if s not in live]
        elif deleted:
            chosen = every
        else:
            chosen = list(live)
        return sorted(s.qualified for s in chosen if matches(s))

    def list_versions(self, subject: Subject, *, deleted: bool, deleted_only: bool) -> list[int]:
        with self.store.read() as conn:
            every = store.versions_of(conn, subject, deleted=True)
        if deleted_only:
            chosen = [v for v in every if v.deleted]
        elif deleted:
            chosen = every
        else:
            chosen = [v for v in every if not v.deleted]
        if not chosen and not (every and (deleted or deleted_only)):
            raise errors.subject_not_found(subject.qualified)
        return [v.version for v in chosen]

    @staticmethod
    def _other_contexts(conn: sqlite3.Connection, subject: Subject) -> list[Subject]:
        """Confluent's "using contexts" fallback for an unqualified subject.

        Reads of a default-context subject that finds nothing retry the same
        name in every other context, in context order.
        """
        if subject.context != DEFAULT_CONTEXT:
            return []
        return [Subject(c, subject.name) for c in store.contexts(conn) if c != DEFAULT_CONTEXT]

    def _resolve_using_contexts(
        self, conn: sqlite3.Connection, subject: Subject, version: int, *, deleted: bool
    ) -> store.StoredVersion:
        try:
            return self._resolve(conn, subject, version, deleted=deleted)
        except errors.ErrorResponse as original:
            for other in self._other_contexts(conn, subject):
                try:
                    return self._resolve(conn, other, version, deleted=deleted)
                except errors.ErrorResponse:
                    continue
            raise original from None

    def get_version(
        self, subject: Subject, version: int, *, deleted: bool, schema_format: str = ""
    ) -> dict[str, object]:
        with self.store.read() as conn:
            found = self._resolve_using_contexts(conn, subject, version, deleted=deleted)
            return self._formatted_json(conn, found, schema_format)

    def formatted_registration(
        self, subject: Subject, answer: dict[str, object], schema_format: str
    ) -> dict[str, object]:
        """A registration's answer with ``?format=``: when it carries the schema (see
        ``_Candidate.registered_json``), that schema parsed again and formatted."""
        if "schema" not in answer or not schema_format.strip():
            return answer
        references = answer.get("references")
        with self.store.read() as conn:
            parsed = parse_schema(
                conn,
                subject,
                str(answer.get("schemaType", "AVRO")),
                str(answer["schema"]),
                [Reference.from_json(r) for r in references if isinstance(r, dict)]
                if isinstance(references, list)
                else [],
            )
        return {**answer, "schema": formatted(parsed, schema_format)}

    def _formatted_json(
        self, conn: sqlite3.Connection, found: store.StoredVersion, schema_format: str
    ) -> dict[str, object]:
        stored = self._schema_of(conn, found)
        return {**schema_json(found, stored), "schema": _formatted(conn, stored, schema_format)}

    def referenced_by(self, subject: Subject, version: int) -> list[int]:
        with self.store.read() as conn:
            found = self._resolve_using_contexts(conn, subject, version, deleted=True)
            return store.referrers(conn, found.subject, found.version)

    def lookup(
        self,
        subject: Subject,
        req: SchemaRequest,
        *,
        normalize: bool,
        deleted: bool,
        schema_format: str = "",
    ) -> dict[str, object]:
        """The version of ``subject`` holding this schema.

        A plain lookup that fails is retried with normalize=true, and an
        unqualified subject in every other context, as Confluent does.
        """
        with self.store.read() as conn:
            config = effective_config(conn, subject)
            normalize = normalize or bool(config.get("normalize"))
            for candidate_subject in [subject, *self._other_contexts(conn, subject)]:
                for norm in dict.fromkeys([normalize, True]):
                    candidate = self._candidate(conn, candidate_subject, req, norm)
                    found = self._look_up(
                        conn,
                        candidate_subject,
                        candidate,
                        deleted=deleted,
                        config=config if candidate_subject == subject else None,
                    )
                    if found is not None:
                        return self._formatted_json(conn, found, schema_format)
            if not store.versions_of(conn, subject, deleted=deleted):
                raise errors.subject_not_found(subject.qualified)
            raise errors.schema_not_found()

    def _look_up(
        self,
        conn: sqlite3.Connection,
        subject: Subject,
        candidate: _Candidate,
        *,
        deleted: bool,
        config: dict[str, object] | None = None,
        latest: _Latest | None = None,
    ) -> store.StoredVersion | None:
        """Confluent's lookUpSchemaUnderSubject: as sent, then with the latest's contract.

        When the schema as sent is not found, the metadata and rule set the
        request left out are taken from the latest live version and the lookup
        is repeated, so that a lookup finds what a registration of the same
        body would have registered.  ``config``: the subject's effective config
        when the caller has read it (read here otherwise, only when needed);
        ``latest``, the subject's latest version as the caller reads it.
        """
        found = self._find_in_subject(conn, subject, candidate, deleted=deleted)
        if found is not None:
            return found
        if latest is None:
            latest = _Latest(conn, subject)
        if latest.schema is None:
            return None
        metadata, rule_set = with_inherited(
            candidate.metadata,
            candidate.rule_set,
            (latest.schema.metadata, latest.schema.rule_set),
            effective_config(conn, subject) if config is None else config,
            None,
            explicit_version=False,
        )
        if (metadata, rule_set) == (candidate.metadata, candidate.rule_set):
            return None
        inherited = candidate.with_contract(metadata, rule_set)
        return self._find_in_subject(conn, subject, inherited, deleted=deleted)

    @staticmethod
    def _find_in_subject(
        conn: sqlite3.Connection, subject: Subject, candidate: _Candidate, *, deleted: bool
    ) -> store.StoredVersion | None:
        """The latest version of ``subject`` holding the candidate's schema (by its identity,
        which covers the type, text, references and contracts)."""
        return store.find_version(conn, subject, candidate.identity, deleted=deleted)

    # -- registration ---------------------------------------------------------

    def register(
        self, subject: Subject, req: SchemaRequest, *, normalize: bool
    ) -> dict[str, object]:
        if req.rule_set is not None:
            validate_rule_set(req.rule_set)
        if subject.is_context:
            raise errors.invalid_subject(subject.qualified)
        check_name(subject, config_or_mode=False)
        with self.store.write() as conn:
            config = effective_config(conn, subject)
            normalize = normalize or bool(config.get("normalize"))
            mode = effective_mode(conn, subject)
            latest = _Latest(conn, subject)
            # Confluent answers an already registered schema before looking at the
            # mode, so re-registering is idempotent even in READONLY mode; with
            # config defaults or overrides it always goes through registration.
            if (
                req.version is None
                and req.schema
                and req.schema.strip()
                and not has_defaults_or_overrides(config)
            ):
                parsed = self._candidate(conn, subject, req, normalize)
                existing = self._look_up(
                    conn, subject, parsed, deleted=False, config=config, latest=latest
                )
                if existing is not None and req.id in (None, existing.schema_id):
                    return {"id": existing.schema_id}
            else:
                parsed = None
            if mode in WRITE_BLOCKING_MODES:
                raise errors.not_permitted(f"Subject {subject.qualified} is in read-only mode")
            if req.id is not None and mode != "IMPORT":
                raise errors.not_permitted(f"Subject {subject.qualified} is not in import mode")
            if req.id is None and mode != "READWRITE":
                raise errors.not_permitted(f"Subject {subject.qualified} is not in read-write mode")
            return self._register(conn, subject, req, normalize, mode, config, parsed, latest)

    def _register(
        self,
        conn: sqlite3.Connection,
        subject: Subject,
        req: SchemaRequest,
        normalize: bool,
        mode: str,
        config: dict[str, object],
        parsed: _Candidate | None,
        latest: _Latest,
    ) -> dict[str, object]:
        """``parsed``: the request's schema as ``register`` already parsed it, if it did;
        it was parsed only when the request has a schema, so only the contract may
        have changed since (which changes the identity, not the parse)."""
        # Only what a registration needs is read (the latest live version, the
        # versions of the schema it finds), never the whole subject: a write
        # costs the same at 100 versions as at 10,000.
        new_version = store.next_version(conn, subject)
        filled = False
        if mode != "IMPORT":
            # Confluent's maybePopulateFromPrevious; IMPORT registers the body as sent.
            previous = latest.schema
            if (not req.schema or not req.schema.strip()) and previous is not None:
                # An empty schema re-registers the latest one (Confluent uses this to
                # attach new metadata); without a previous version it is invalid.
                req = replace(
                    req,
                    schema=previous.schema,
                    schema_type=previous.schema_type,
                    references=tuple(Reference.from_json(r) for r in previous.references),
                )
                filled = True
            metadata, rule_set = with_inherited(
                req.metadata,
                req.rule_set,
                None if previous is None else (previous.metadata, previous.rule_set),
                config,
                new_version,
                explicit_version=req.version is not None,
            )
            req = replace(req, metadata=metadata, rule_set=rule_set)
            filled = filled or metadata is not None or rule_set is not None
        if parsed is None:
            candidate = self._candidate(conn, subject, req, normalize)
        elif (req.metadata, req.rule_set) != (parsed.metadata, parsed.rule_set):
            candidate = parsed.with_contract(req.metadata, req.rule_set)
        else:
            candidate = parsed

        def answer(schema_id: int, version: int) -> dict[str, object]:
            return candidate.registered_json(schema_id, version) if filled else {"id": schema_id}

        schema_id = req.id
        existing_id = store.find_schema_id(conn, subject.context, candidate.identity)
        if existing_id is not None and schema_id in (None, existing_id):
            holding = [
                v for v in store.versions_holding(conn, subject, existing_id) if not v.deleted
            ]
            if req.version is None and holding:
                return answer(existing_id, holding[-1].version)
            schema_id = existing_id
        if mode != "IMPORT":
            # Confluent parses a schema it is about to add with Avro's default
            # validation on (IMPORT registers history as it was written).
            problems = invalid_defaults(candidate.parsed)
            if problems:
                refs = [r.to_json() for r in candidate.references]
                raise errors.invalid_schema(
                    f"Invalid schema {candidate.text} with refs {refs} of type "
                    f"{candidate.schema_type}, details: {problems[0]}"
                )
            messages = self._incompatibilities(conn, subject, candidate, None, config, latest)
            if messages:
                raise errors.incompatible(subject.qualified, messages)
        version = req.version or new_version
        if req.version is not None and req.version != new_version and mode != "IMPORT":
            raise errors.invalid_schema("Version is not one more than previous version")
        if schema_id is None:
            schema_id = store.next_id(conn, subject.context)
            while store.get_schema(conn, subject.context, schema_id) is not None:
                schema_id += 1
            new_schema = True  # the probe found no row with this ID
        else:
            current = store.get_schema(conn, subject.context, schema_id)
            if current is not None and stored_identity(current) != candidate.identity:
                raise errors.not_permitted(
                    f"Overwrite new schema with id {schema_id} is not permitted."
                )
            new_schema = current is None
        if new_schema:
            self._insert_schema(conn, subject, schema_id, candidate)
        # a version above every one of the subject's (soft-deleted ones too) replaces
        # nothing
        store.insert_version(conn, subject, version, schema_id, new=version == new_version)
        # only a schema that was already stored can have older versions in this subject
        for old in [] if new_schema else store.versions_holding(conn, subject, schema_id):
            # Re-registering a soft-deleted schema replaces its old version (after
            # the new one exists, so that the schema is never left unused).
            if old.deleted and old.version < version:
                store.hard_delete_version(conn, subject, old.version)
        for ref in candidate.references:
            target = reference_target(subject, ref.subject)
            resolved = ref.version
            if resolved == LATEST:
                resolved = store.latest_version(conn, target).version  # type: ignore[union-attr]
            store.insert_reference(conn, subject, version, target, resolved)
        return answer(schema_id, version)

    @staticmethod
    def _insert_schema(
        conn: sqlite3.Connection, subject: Subject, schema_id: int, candidate: _Candidate
    ) -> None:
        store.insert_schema(
            conn,
            subject.context,
            schema_id,
            candidate.schema_type,
            candidate.text,
            [r.to_json() for r in candidate.references],
            candidate.identity,
            candidate.metadata,
            candidate.rule_set,
        )

    def _incompatibilities(
        self,
        conn: sqlite3.Connection,
        subject: Subject,
        candidate: _Candidate,
        previous: list[store.StoredVersion] | None,
        config: dict[str, object],
        latest: _Latest | None,
    ) -> list[str]:
        """Confluent's error list: one line per broken rule, then the config used.

        ``previous`` None: the live versions the level compares with (the
        latest only, unless transitive, read without loading the others);
        ``latest``, the latest live version, as the caller read it.
        """
        level = str(config.get("compatibilityLevel"))
        if level == "NONE":
            return []
        if previous is None:
            if transitive(level):
                previous = store.versions_of(conn, subject)
            else:
                previous = [latest.version] if latest and latest.version else []
        if not previous:
            return []
        previous = list(versions_checked(level, previous))
        parsed_previous: list[ParsedSchema] = []
        messages: list[str] = []
        for version in previous:
            if latest is not None and latest.schema is not None and version == latest.version:
                stored = latest.schema
            else:
                stored = self._schema_of(conn, version)
            if stored.schema_type != candidate.schema_type:
                messages.append("Incompatible because of different schema type")
                continue
            parsed_previous.append(parse_stored(conn, subject, stored))
        if not messages:
            result = check(
                candidate.schema_type,
                candidate.parsed,
                parsed_previous,
                level,
                {},
            )
            messages += [
                f"{{errorType:'{m.rule}', description:'{m.message}', "
                f"additionalInfo:'{m.location}'}}"
                for m in result.messages
            ]
        if messages:
            messages.append(f"{{validateFields: 'false', compatibility: '{level}'}}")
        return messages

    # -- compatibility endpoints ---------------------------------------------

    def check_compatibility(
        self,
        subject: Subject,
        version: int | None,
        req: SchemaRequest,
        *,
        normalize: bool,
        verbose: bool,
    ) -> dict[str, object]:
        """``version`` None: against every live version, as the level asks.

        As in Confluent, a missing version is 40402 whether or not the subject
        exists, ``latest`` of a missing subject is compatible, and with
        ``verbose`` an invalid schema is reported as a message, not a 422.
        """
        with self.store.read() as conn:
            live = store.versions_of(conn, subject)
            if version is None:
                previous = live
            elif version == LATEST:
                previous = live[-1:]
            else:
                found = store.get_version(conn, subject, version)
                if found is None or found.deleted:
                    raise errors.version_not_found(version)
                previous = [found]
            config = effective_config(conn, subject)
            normalize = normalize or bool(config.get("normalize"))
            try:
                candidate = self._candidate(conn, subject, req, normalize)
            except errors.ErrorResponse as exc:
                if not verbose or exc.error_code != 42201:
                    raise
                return {"is_compatible": False, "messages": [exc.message]}
            messages = self._incompatibilities(conn, subject, candidate, previous, config, None)
        out: dict[str, object] = {"is_compatible": not messages}
        if verbose:
            out["messages"] = messages
        return out

    # -- deletes --------------------------------------------------------------

    def delete_version(self, subject: Subject, version: int, *, permanent: bool) -> int:
        """Soft delete, or permanent delete of an already soft-deleted version.

        ``latest`` is the latest live version, as in Confluent.
        """
        with self.store.write() as conn:
            if version == LATEST:
                live = store.versions_of(conn, subject)
                found = live[-1] if live else None
            else:
                found = store.get_version(conn, subject, version)
            if found is not None and found.deleted and not permanent:
                raise errors.version_soft_deleted(subject.qualified, found.version)
            if found is None:
                if not store.versions_of(conn, subject, deleted=True):
                    raise errors.subject_not_found(subject.qualified)
                raise errors.version_not_found(version)
            require_writable(conn, subject)
            if store.referrers(conn, subject, found.version):
                raise errors.reference_exists(subject.qualified, found.version)
            if permanent:
                if not found.deleted:
                    raise errors.version_not_soft_deleted(subject.qualified, found.version)
                store.hard_delete_version(conn, subject, found.version)
                if not store.versions_of(conn, subject, deleted=True):
                    _drop_settings(conn, subject)
            else:
                store.soft_delete_version(conn, subject, found.version)
            return found.version

    def delete_subject(self, subject: Subject, *, permanent: bool) -> list[int]:
        with self.store.write() as conn:
            every = store.versions_of(conn, subject, deleted=True)
            if not every:
                raise errors.subject_not_found(subject.qualified)
            live = [v for v in every if not v.deleted]
            if not permanent and not live:
                raise errors.subject_soft_deleted(subject.qualified)
            require_writable(conn, subject)
            targets = every if permanent else live
            for version in targets:
                if store.referrers(conn, subject, version.version):
                    raise errors.reference_exists(subject.qualified, version.version)
                if permanent and not version.deleted:
                    raise errors.subject_not_soft_deleted(subject.qualified)
            for version in targets:
                if permanent:
                    store.hard_delete_version(conn, subject, version.version)
                else:
                    store.soft_delete_version(conn, subject, version.version)
            if permanent:
                _drop_settings(conn, subject)
            return [v.version for v in targets]

    # -- schemas by id --------------------------------------------------------

    def _schema_by_id(
        self, conn: sqlite3.Connection, schema_id: int, subject: Subject | None
    ) -> store.StoredSchema:
        """The schema with this ID in the context of ``subject`` (default context if None).

        As Confluent's getSchemaKeyUsingContexts, an unqualified, non-empty
        subject also searches the other contexts when the default one lacks the ID.
        """
        scope = subject or Subject(DEFAULT_CONTEXT, "")
        candidates = [scope]
        if subject is not None and subject.name:
            candidates += self._other_contexts(conn, subject)
        for candidate in candidates:
            found = store.get_schema(conn, candidate.context, schema_id)
            if found is not None:
                return found
        raise errors.schema_not_found(schema_id)

    def schema_by_id(
        self,
        schema_id: int,
        subject: Subject | None,
        *,
        fetch_max_id: bool,
        schema_format: str = "",
    ) -> dict[str, object]:
        with self.store.read() as conn:
            schema = self._schema_by_id(conn, schema_id, subject)
            out: dict[str, object] = {}
            if schema.schema_type != "AVRO":
                out["schemaType"] = schema.schema_type
            out["schema"] = _formatted(conn, schema, schema_format)
            if schema.references:
                out["references"] = schema.references
            _contract_json(out, schema.metadata, schema.rule_set)
            if fetch_max_id:
                # the highest ID ever handed out in the context, as Confluent's ID generator
                out["maxId"] = store.next_id(conn, schema.context) - 1
            return out

    def schema_text_by_id(
        self, schema_id: int, subject: Subject | None, *, schema_format: str = ""
    ) -> str:
        with self.store.read() as conn:
            return _formatted(conn, self._schema_by_id(conn, schema_id, subject), schema_format)

    def versions_by_id(
        self, schema_id: int, subject: Subject | None, *, deleted: bool
    ) -> list[dict[str, object]]:
        with self.store.read() as conn:
            schema = self._schema_by_id(conn, schema_id, subject)
            found = store.versions_with_id(conn, schema.context, schema_id, deleted=deleted)
        return [{"subject": v.subject.qualified, "version": v.version} for v in found]

    def subjects_by_id(
        self, schema_id: int, subject: Subject | None, *, deleted: bool
    ) -> list[str]:
        names: list[str] = []
        for item in self.versions_by_id(schema_id, subject, deleted=deleted):
            if item["subject"] not in names:
                names.append(str(item["subject"]))
        return names

    def list_schemas(
        self, prefix: str, *, deleted: bool, latest_only: bool, offset: int, limit: int
    ) -> list[dict[str, object]]:
        """Every schema version, ordered by context, ID, subject and version."""
        where = prefix_filter(prefix)
        with self.store.read() as conn:
            page = store.schema_page(
                conn,
                context=where.context,
                name_prefix=where.name,
                qualified_prefix=where.qualified,
                deleted=deleted,
                latest_only=latest_only,
                offset=offset,
                limit=limit,
                cursors=self.store.cursors,
            )
        return [_listed_json(row) for row in page]

    def contexts(self) -> list[str]:
        with self.store.read() as conn:
            found = store.contexts(conn)
        return [DEFAULT_CONTEXT, *sorted(c for c in found if c != DEFAULT_CONTEXT)]
