"""Upload a file the way the browser does: a multipart POST to the picker's own route."""

from __future__ import annotations

from nicegui.testing import User

from ui.components.file_picker import UPLOAD_PATH, FilePicker


async def upload_through(user: User, marker: str, filename: str, data: bytes, content_type: str) -> int:
    """POST ``data`` to the picker marked ``marker``; returns the HTTP status."""
    (picker,) = user.find(marker=marker).elements
    assert isinstance(picker, FilePicker)
    response = await user.http_client.post(f"{UPLOAD_PATH}/{picker.token}",
                                           files={"file": (filename, data, content_type)})
    return response.status_code
