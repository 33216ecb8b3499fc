"""Exceptions of the workflow; the CLI turns each into a message and a non-zero exit code."""


class WorkflowError(RuntimeError):
    """A step failed for a reason the user can act on (the message says which and how)."""


class ConfigError(WorkflowError, ValueError):
    """The configuration has an unknown key, a value of the wrong type or an invalid value."""


class DownloadError(WorkflowError):
    """The data could not be fetched, or its checksum is not the expected one."""


class DataCheckError(WorkflowError):
    """The data failed one or more checks; ``failures`` lists each one."""

    def __init__(self, failures):
        self.failures = list(failures)
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(f"data check failed ({len(self.failures)} failure(s)):\n{lines}")


class GateError(WorkflowError):
    """A test-set metric did not meet its configured gate."""

    def __init__(self, failures):
        self.failures = list(failures)
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(f"quality gate failed ({len(self.failures)} gate(s)):\n{lines}")


class ArtifactNotFoundError(WorkflowError, KeyError):
    """The artifact store has no artifact (or version) of that name."""

    def __str__(self):
        return str(self.args[0]) if self.args else "artifact not found"


class ModelFormatError(WorkflowError, ValueError):
    """The exported model was written by a cartflow of another format MAJOR version."""


class ArtifactIntegrityError(WorkflowError):
    """An artifact's files are missing or do not hash to what the index recorded."""
