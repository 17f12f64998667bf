"""One JSON error shape for the whole API: ``{"success": false, "error": "...", "code": "..."}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import AuthError, Cancelled, Conflict, Forbidden, NotFound, StudioError, Unavailable, ValidationError
from core.sign_in import TooManyAttempts
from storage.images import ImageRejected

STATUS: list[tuple[type[StudioError], int]] = [
    (ValidationError, 400), (AuthError, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409), (Cancelled, 409),
    (Unavailable, 503),
]


def error_response(status: int, message: str, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"success": False, "error": message, "code": code, **extra}, status_code=status,
                        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)


def install_error_handlers(app: FastAPI, serialise_conflict: Any) -> None:
    """Map the domain's errors to status codes; FastAPI's own 422s become the same 400 shape."""

    @app.exception_handler(StudioError)
    async def _studio_error(_request: Request, exc: StudioError) -> JSONResponse:
        status = next((code for cls, code in STATUS if isinstance(exc, cls)), 500)
        extra: dict[str, Any] = {}
        if isinstance(exc, ValidationError):
            extra["fields"] = exc.errors
        if isinstance(exc, Conflict):
            extra["current"] = serialise_conflict(exc.current)
        return error_response(status, exc.message, exc.code, **extra)

    @app.exception_handler(TooManyAttempts)
    async def _too_many(_request: Request, exc: TooManyAttempts) -> JSONResponse:
        response = error_response(429, exc.message, exc.code)
        response.headers["Retry-After"] = str(int(exc.retry_after_s) + 1)
        return response

    @app.exception_handler(ImageRejected)
    async def _image_rejected(_request: Request, exc: ImageRejected) -> JSONResponse:
        return error_response(400, exc.message, f"image_{exc.reason}")

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = {".".join(str(p) for p in err.get("loc", ()) if p != "body"): err.get("msg", "")
                  for err in exc.errors()}
        message = "; ".join(f"{name}: {msg}" if name else msg for name, msg in fields.items()) or "Invalid request"
        return error_response(400, message, "invalid_request", fields=fields)
