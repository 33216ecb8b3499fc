"""Exceptions of the serving layer, each carrying the HTTP status a server should answer with."""


class ModelLoadError(ValueError):
    """The model folder is missing, incomplete, corrupt or inconsistent with its signature."""


class RequestError(ValueError):
    """A client's input that cannot be scored; ``status_code`` is the 4xx answer it deserves.

    Parameters
    ----------
    message : str
        What was wrong and how to fix it.
    status_code : int, default 400
        400 malformed request, 413 too large, 415 unsupported content type, 422 input that does
        not match the model's signature.
    """

    def __init__(self, message, status_code=400):
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    @property
    def error_code(self):
        """MLflow's error code name for this status."""
        return _ERROR_CODES.get(self.status_code, "BAD_REQUEST")


class SchemaError(RequestError):
    """Input columns or values that do not match the model's signature (HTTP 422)."""

    def __init__(self, message, status_code=422):
        super().__init__(message, status_code)


_ERROR_CODES = {
    400: "BAD_REQUEST",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "INVALID_PARAMETER_VALUE",
}
