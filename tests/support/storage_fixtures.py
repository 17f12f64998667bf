"""Fixtures of the storage tests, loaded with ``pytest_plugins = ["tests.support.storage_fixtures"]``.

S3 is moto's server mode (``ThreadedMotoServer``) on 127.0.0.1 and a port the OS picks: boto3 talks
real HTTP to it, nothing is patched, and the fake credentials cannot reach real AWS.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from storage.base import Storage
from tests.support.storage import BACKENDS, make_backend


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3 HTTP endpoint on loopback, with fake credentials and no way to reach real AWS."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        env.setenv("NO_PROXY", "127.0.0.1,localhost")  # a proxy in the environment must not see this
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            env.delenv(name, raising=False)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The same behavioural tests run against each backend."""
    return make_backend(request.param, request, tmp_path)
