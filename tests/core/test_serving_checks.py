"""``STUDIO_AUTH=none`` never serves beyond this machine by accident (issue 13, point 10)."""

from __future__ import annotations

import pytest

from core.config import Settings, UnsafeConfiguration, check_serving


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "studio.example.org"])
def test_open_access_on_a_reachable_host_is_refused_with_the_reason(host: str) -> None:
    with pytest.raises(UnsafeConfiguration) as refused:
        check_serving(Settings(auth="none", host=host))
    assert "signed in as the admin" in str(refused.value) and "STUDIO_ALLOW_OPEN_ACCESS" in str(refused.value)


@pytest.mark.parametrize("settings", [
    Settings(auth="none", host="127.0.0.1"), Settings(auth="none", host="localhost"),
    Settings(auth="none", host="::1"), Settings(auth="none", host="127.0.0.2"),
    Settings(auth="password", host="0.0.0.0"), Settings(auth="none", host="0.0.0.0", allow_open_access=True),
])
def test_loopback_password_or_an_explicit_opt_in_is_served(settings: Settings) -> None:
    check_serving(settings)
