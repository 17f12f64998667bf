"""``/admin/backup`` in the User harness: the download is offered to admins, the restore only while the
instance is empty (and the page says what is in the way otherwise), nothing to anyone else."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from tests.support.pages import account, character_of, local_account, open_not_found, sign_in_through_form


async def test_an_admin_of_an_empty_instance_is_offered_the_download_and_the_restore(user: User) -> None:
    local_account()  # single-user mode: the local account is the admin
    await user.open("/admin/backup")
    await user.should_see(marker="backup-download")
    await user.should_see(marker="restore-file")
    await user.should_see(marker="restore-start")
    await user.should_not_see(marker="restore-refused")


async def test_a_non_empty_instance_says_why_it_cannot_be_restored_into(user: User) -> None:
    character_of(local_account(), name="Iris Vale")
    await user.open("/admin/backup")
    await user.should_see(marker="backup-download")
    await user.should_see(marker="restore-refused")
    await user.should_see("This instance is not empty")
    await user.should_not_see(marker="restore-start")


@pytest.mark.usefixtures("password_auth")
async def test_anyone_but_an_admin_gets_the_not_found_page(user: User) -> None:
    account("boss@example.com")  # the first account is the admin
    account("someone@example.com")
    await sign_in_through_form(user, "someone@example.com")
    page = await open_not_found(user, "/admin/backup")
    assert "Download a backup" not in page and "Restore" not in page
