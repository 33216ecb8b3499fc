"""The local artifact store: named, versioned, content-hashed folders with lineage.

Layout under the store root (``<workdir>/artifacts`` by default)::

    index.json          every committed version, the aliases and the step cache (the truth)
    <name>/v<N>/...     the files of version N of artifact <name>
    .staging/           folders being written by running steps (invisible to readers)
    .lock               serialises commits between processes

A step writes its outputs into staging folders; :meth:`ArtifactStore.commit` moves each into
place with ``os.rename`` and then replaces ``index.json`` atomically. A version exists only once
the index names it, so a step that dies half-way (exception, kill) leaves the store as it was:
folders it left behind are not in the index and are removed at the next commit.
"""

import contextlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.workflow.errors import ArtifactIntegrityError, ArtifactNotFoundError, WorkflowError
from pipeline.workflow.fsutil import atomic_write_json, file_sha256, tree_hashes, tree_sha256

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

INDEX_FORMAT = 1
STALE_STAGING_SECONDS = 3600
_INDEX_KEYS = ("artifacts", "steps")
_RECORD_KEYS = ("sha256", "run_id", "step")

# Files already hashed in this process: (path, size, mtime_ns) -> sha256. A file whose size and
# modification time are unchanged is not hashed again (the cheap pre-check); any change re-hashes.
_VERIFIED_FILES = {}


@dataclass(frozen=True)
class ArtifactVersion:
    """One committed version of an artifact."""

    name: str
    version: str
    sha256: str
    path: Path
    run_id: str
    step: str
    inputs: tuple = ()
    files: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    created_utc: str = ""
    aliases: tuple = ()

    @property
    def ref(self):
        """``name:vN``."""
        return f"{self.name}:{self.version}"

    def to_dict(self):
        return {
            "name": self.name,
            "version": self.version,
            "sha256": self.sha256,
            "path": str(self.path),
            "run_id": self.run_id,
            "step": self.step,
            "inputs": list(self.inputs),
            "files": dict(self.files),
            "metadata": dict(self.metadata),
            "created_utc": self.created_utc,
            "aliases": list(self.aliases),
        }


def split_ref(ref):
    """``"name"`` / ``"name:latest"`` / ``"name:v3"`` -> ``(name, version_or_alias)``."""
    name, _, version = str(ref).partition(":")
    if not name:
        raise ValueError(f"artifact reference {ref!r} must read NAME or NAME:VERSION")
    return name, version or "latest"


def _version_number(version):
    if not (version.startswith("v") and version[1:].isdigit()):
        raise ValueError(f"artifact version {version!r} must read vN (v0, v1, ...)")
    return int(version[1:])


class ArtifactStore:
    """A folder of versioned artifacts (see the module docstring for the layout).

    Parameters
    ----------
    root : str or Path
        The store's folder; created on the first commit.
    """

    def __init__(self, root):
        self.root = Path(root)

    # -- reading ----------------------------------------------------------------------------
    @property
    def index_path(self):
        return self.root / "index.json"

    def _read_index(self):
        if not self.index_path.is_file():
            return {"format": INDEX_FORMAT, "artifacts": {}, "steps": {}}
        try:
            index = json.loads(self.index_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise WorkflowError(f"artifact index {self.index_path} is corrupt: {exc}") from None
        if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
            found = index.get("format") if isinstance(index, dict) else type(index).__name__
            raise WorkflowError(
                f"artifact index {self.index_path} has format {found!r}; this "
                f"cartflow reads format {INDEX_FORMAT}"
            )
        self._check_index(index)
        return index

    def _check_index(self, index):
        """Refuse an index with missing keys or malformed records (a clear message, no KeyError)."""

        def corrupt(what):
            raise WorkflowError(
                f"artifact index {self.index_path} is corrupt: {what}; restore it from a backup "
                "or move the artifacts folder away and re-run `cartflow run`"
            )

        for key in _INDEX_KEYS:
            if not isinstance(index.get(key), dict):
                corrupt(f"'{key}' is missing or not an object")
        for name, entry in index["artifacts"].items():
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("versions"), dict)
                and isinstance(entry.get("aliases"), dict)
            ):
                corrupt(f"artifact {name!r} needs 'versions' and 'aliases' objects")
            for version, record in entry["versions"].items():
                if not isinstance(record, dict) or any(
                    not isinstance(record.get(k), str) for k in _RECORD_KEYS
                ):
                    corrupt(f"{name}:{version} lacks one of {list(_RECORD_KEYS)}")
                if not isinstance(record.get("files", {}), dict):
                    corrupt(f"{name}:{version} has malformed 'files'")
                try:
                    _version_number(version)
                except ValueError:
                    corrupt(f"{name} has a version named {version!r}")
        for key, record in index["steps"].items():
            if not isinstance(record, dict) or not isinstance(record.get("outputs"), dict):
                corrupt(f"step cache entry {key[:12]} has no 'outputs' object")

    def _make_version(self, name, version, record, aliases):
        return ArtifactVersion(
            name=name,
            version=version,
            sha256=record["sha256"],
            path=self.root / name / version,
            run_id=record["run_id"],
            step=record["step"],
            inputs=tuple(record.get("inputs", ())),
            files=dict(record.get("files", {})),
            metadata=dict(record.get("metadata", {})),
            created_utc=record.get("created_utc", ""),
            aliases=tuple(sorted(a for a, v in aliases.items() if v == version)),
        )

    def aliases(self):
        """``{name: {alias: version}}`` as the index says now (one read)."""
        artifacts = self._read_index()["artifacts"]
        return {name: dict(entry["aliases"]) for name, entry in artifacts.items()}

    def names(self):
        """Names of the artifacts in the store, sorted."""
        return sorted(self._read_index()["artifacts"])

    def exists(self, ref):
        """Whether ``ref`` (``name``, ``name:latest``, ``name:vN``) names a committed version."""
        try:
            self.get(ref)
        except ArtifactNotFoundError:
            return False
        return True

    def get(self, ref):
        """The :class:`ArtifactVersion` that ``ref`` names.

        Raises
        ------
        ArtifactNotFoundError
            No such artifact, version or alias.
        """
        name, version = split_ref(ref)
        entry = self._read_index()["artifacts"].get(name)
        if entry is None:
            known = ", ".join(self.names()) or "none yet"
            raise ArtifactNotFoundError(
                f"no artifact named {name!r} in {self.root} (artifacts: {known}); run the step "
                "that produces it first"
            )
        aliases = entry["aliases"]
        resolved = aliases.get(version, version)
        if resolved not in entry["versions"]:
            known = ", ".join(sorted(entry["versions"], key=_version_number) + sorted(aliases))
            raise ArtifactNotFoundError(
                f"artifact {name!r} has no version or alias {version!r} (known: {known})"
            )
        return self._make_version(name, resolved, entry["versions"][resolved], aliases)

    def versions(self, name):
        """All versions of one artifact, oldest first."""
        entry = self._read_index()["artifacts"].get(name)
        if entry is None:
            raise ArtifactNotFoundError(f"no artifact named {name!r} in {self.root}")
        return [
            self._make_version(name, version, entry["versions"][version], entry["aliases"])
            for version in sorted(entry["versions"], key=_version_number)
        ]

    def list(self):
        """Every version of every artifact, by name then version."""
        return [version for name in self.names() for version in self.versions(name)]

    def lineage(self, ref):
        """The artifact ``ref`` and, recursively, the artifacts it was made from.

        Returns
        -------
        dict
            ``{"artifact": ArtifactVersion, "inputs": [<same shape>, ...]}``.
        """
        version = self.get(ref)
        return {"artifact": version, "inputs": [self.lineage(ref) for ref in version.inputs]}

    def cached_outputs(self, cache_key):
        """The outputs a step run with this cache key committed, or None when not cached."""
        index = self._read_index()
        record = index["steps"].get(cache_key)
        if record is None:
            return None
        outputs = {}
        for name, version in record["outputs"].items():
            entry = index["artifacts"].get(name)
            if entry is None or version not in entry["versions"]:
                return None
            if not (self.root / name / version).is_dir():
                return None
            outputs[name] = self._make_version(
                name, version, entry["versions"][version], entry["aliases"]
            )
        return {"run_id": record["run_id"], "outputs": outputs}

    # -- verifying --------------------------------------------------------------------------
    def verify(self, artifact):
        """Check that ``artifact``'s files hash to what the index recorded; return it.

        Every file is hashed by streaming it, once per process: a later call re-hashes a file
        only when its size or modification time changed. A missing folder or file, an extra
        file or different bytes raise :class:`ArtifactIntegrityError` naming the artifact and
        both hashes.
        """
        recorded = artifact.files
        if not artifact.path.is_dir():
            raise ArtifactIntegrityError(
                f"artifact {artifact.ref} is missing: {artifact.path} does not exist (index "
                f"sha256 {artifact.sha256}, found none); re-run the step that produced it "
                f"({artifact.step}) with --force"
            )
        actual = {}
        for path in sorted(artifact.path.rglob("*")):
            if path.is_file():
                actual[path.relative_to(artifact.path).as_posix()] = _hash_once(path)
        digest = tree_sha256(actual)
        if digest != artifact.sha256 or (recorded and actual != recorded):
            changed = sorted(
                name
                for name in set(actual) | set(recorded)
                if actual.get(name) != recorded.get(name)
            )
            details = ", ".join(
                f"{name} (index {recorded.get(name, 'none')}, found {actual.get(name, 'missing')})"
                for name in changed[:3]
            )
            raise ArtifactIntegrityError(
                f"artifact {artifact.ref} was modified after it was stored: index sha256 "
                f"{artifact.sha256}, found {digest}; files: {details or 'none listed'}. Re-run "
                f"the step that produced it ({artifact.step}) with --force, or restore the files"
            )
        return artifact

    def verify_all(self):
        """``[(ref, error message or None)]`` for every version in the store."""
        results = []
        for artifact in self.list():
            try:
                self.verify(artifact)
            except ArtifactIntegrityError as exc:
                results.append((artifact.ref, str(exc)))
            else:
                results.append((artifact.ref, None))
        return results

    # -- writing ----------------------------------------------------------------------------
    def staging_dir(self):
        """A new empty folder inside the store where a step writes one output."""
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        self._remove_stale_staging(staging)
        path = staging / uuid.uuid4().hex
        path.mkdir()
        return path

    @staticmethod
    def _remove_stale_staging(staging):
        now = time.time()
        for path in staging.iterdir():
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STALE_STAGING_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def _locked(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _remove_orphans(self, index, name):
        folder = self.root / name
        if not folder.is_dir():
            return
        known = index["artifacts"].get(name, {}).get("versions", {})
        for path in folder.iterdir():
            if path.name not in known:
                shutil.rmtree(path, ignore_errors=True)

    def commit(self, outputs, *, step, run_id, inputs=(), cache_key=None):
        """Move staged outputs into the store as new versions and update the index atomically.

        Parameters
        ----------
        outputs : dict
            ``{name: (staged_folder, metadata_dict)}``.
        step, run_id : str
            The step and the run that produced the outputs (recorded for lineage).
        inputs : sequence of str
            ``name:vN`` references the outputs were made from.
        cache_key : str, optional
            Recorded so that a later run with the same key can reuse these versions.

        Returns
        -------
        dict
            ``{name: ArtifactVersion}``. An output whose content and inputs equal an existing
            version's is not stored again: that version is returned (and aliased ``latest``).
        """
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self._locked():
            index = self._read_index()
            chosen = {}
            for name, (staged, metadata) in outputs.items():
                files = tree_hashes(staged)
                if not files:
                    raise WorkflowError(f"step {step!r} wrote no files for artifact {name!r}")
                digest = tree_sha256(files)
                entry = index["artifacts"].setdefault(name, {"versions": {}, "aliases": {}})
                self._remove_orphans(index, name)
                same = [
                    version
                    for version, record in entry["versions"].items()
                    if record["sha256"] == digest
                    and record.get("inputs", []) == list(inputs)
                    and (self.root / name / version).is_dir()
                ]
                if same:
                    chosen[name] = min(same, key=_version_number)
                    shutil.rmtree(staged, ignore_errors=True)
                    continue
                numbers = [_version_number(v) for v in entry["versions"]]
                version = f"v{max(numbers) + 1 if numbers else 0}"
                (self.root / name).mkdir(parents=True, exist_ok=True)
                os.rename(staged, self.root / name / version)
                for relative, digest_of_file in files.items():
                    with contextlib.suppress(OSError):
                        note_verified(self.root / name / version / relative, digest_of_file)
                entry["versions"][version] = {
                    "sha256": digest,
                    "files": files,
                    "run_id": run_id,
                    "step": step,
                    "inputs": list(inputs),
                    "metadata": metadata,
                    "created_utc": created,
                }
                chosen[name] = version
            for name, version in chosen.items():
                index["artifacts"][name]["aliases"]["latest"] = version
            if cache_key is not None:
                index["steps"][cache_key] = {
                    "step": step,
                    "run_id": run_id,
                    "outputs": chosen,
                    "created_utc": created,
                }
            atomic_write_json(self.index_path, index)
        return {name: self.get(f"{name}:{version}") for name, version in chosen.items()}

    def mark_latest(self, versions):
        """Alias ``latest`` to each given :class:`ArtifactVersion` (one atomic index update)."""
        with self._locked():
            index = self._read_index()
            for version in versions:
                index["artifacts"][version.name]["aliases"]["latest"] = version.version
            atomic_write_json(self.index_path, index)

    def set_alias(self, ref, alias):
        """Point ``alias`` of the artifact at the version ``ref`` names."""
        if alias.startswith("v") and alias[1:].isdigit():
            raise ValueError(f"alias {alias!r} looks like a version; pick another name")
        with self._locked():
            target = self.get(ref)
            index = self._read_index()
            index["artifacts"][target.name]["aliases"][alias] = target.version
            atomic_write_json(self.index_path, index)
        return self.get(f"{target.name}:{alias}")


def _hash_once(path):
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    digest = _VERIFIED_FILES.get(key)
    if digest is None:
        digest = file_sha256(path)
        _VERIFIED_FILES[key] = digest
    return digest


def note_verified(path, digest):
    """Record that ``path`` (as it is now on disk) has ``digest``, e.g. after a step wrote it."""
    stat = Path(path).stat()
    _VERIFIED_FILES[(str(path), stat.st_size, stat.st_mtime_ns)] = digest
