"""Typed errors. Views and services raise these; one handler turns them into JSON."""


class APIError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    status = 400
    code = "bad_request"

    def __init__(self, detail, *, code=None, status=None, extra=None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}

    def to_dict(self):
        body = {"error": self.code, "detail": self.detail}
        body.update(self.extra)
        return body


class ValidationError(APIError):
    status = 400
    code = "validation_error"


class ConfigError(ValidationError):
    code = "invalid_label_config"


class ImportRejected(ValidationError):
    """An import row failed validation; ``index`` says which one (0-based)."""

    code = "invalid_import"

    def __init__(self, detail, index=None):
        super().__init__(f"task {index}: {detail}" if index is not None else detail,
                         extra={"index": index} if index is not None else None)
        self.index = index


class NotAuthenticated(APIError):
    status = 401
    code = "not_authenticated"


class Forbidden(APIError):
    status = 403
    code = "forbidden"


class NotFound(APIError):
    status = 404
    code = "not_found"


class Conflict(APIError):
    status = 409
    code = "conflict"


class FetchBlocked(ValidationError):
    """A server-side fetch was refused by the SSRF guard."""

    code = "fetch_blocked"


class ServiceUnavailable(APIError):
    status = 503
    code = "unavailable"
