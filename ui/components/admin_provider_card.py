"""One provider on the admin page: what it is, where its key comes from, and its actions.

The result of Test connection stays on the card, the server's exact words or the exact failure (bad
key, unreachable, TLS, timeout), until the next test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from core.admin.provider_checks import DISCOVERABLE, CheckResult
from core.admin.providers import ProviderView
from ui import theme

Action = Callable[[ProviderView], Awaitable[None]]


@dataclass(frozen=True)
class ProviderActions:
    edit: Action
    test: Action
    discover: Action
    toggle: Callable[[ProviderView, bool], Awaitable[None]]
    delete: Action


def provider_card(provider: ProviderView, actions: ProviderActions, result: CheckResult | None) -> None:
    with ui.card().classes("w-full gap-2").mark(f"provider-card provider-{provider.id}"):
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            ui.label(provider.name).classes("text-base font-semibold truncate").mark("provider-card-name")
            ui.badge(provider.kind, color="neutral").mark("provider-card-kind")
            ui.space()
            ui.switch(value=provider.active, on_change=lambda e: actions.toggle(provider, bool(e.value))) \
                .props(f'aria-label="{provider.name} active" dense') \
                .mark(f"provider-toggle provider-toggle-{provider.id}")
        ui.label(provider.base_url or "(the kind's default address)").classes(f"{theme.HINT} break-all")
        ui.label(_key_line(provider)).classes(theme.HINT).mark("provider-key")
        with ui.row().classes("gap-1 items-center"):
            ui.button("Edit", icon="edit", on_click=lambda: actions.edit(provider)).props("flat dense no-caps") \
                .mark(f"provider-edit provider-edit-{provider.id}")
            test = ui.button("Test connection", icon="network_check").props("flat dense no-caps")

            async def run_test() -> None:
                test.props("loading")  # the card is redrawn with the result
                await actions.test(provider)

            test.on_click(run_test)
            test.mark(f"provider-test provider-test-{provider.id}")
            if provider.kind in DISCOVERABLE:
                ui.button("Discover models", icon="travel_explore", on_click=lambda: actions.discover(provider)) \
                    .props("flat dense no-caps").mark(f"provider-discover provider-discover-{provider.id}")
            ui.button("Delete", icon="delete", on_click=lambda: actions.delete(provider)) \
                .props("flat dense no-caps color=negative").mark(f"provider-delete provider-delete-{provider.id}")
        if result is not None:
            with ui.row().classes("items-start gap-2 no-wrap").props('role="status"'):
                ui.icon("check_circle" if result.ok else "error", color="positive" if result.ok else "negative")
                ui.label(result.message).classes("text-sm break-words") \
                    .classes("text-positive" if result.ok else "text-negative").mark("provider-test-result")


def _key_line(provider: ProviderView) -> str:
    models = f"{provider.model_count} model{'s' * (provider.model_count != 1)}"
    if provider.credential_source == "environment":
        key = f"Key from the environment (…{provider.credential_hint})" if provider.credential_hint else \
            "Key from the environment"
    elif provider.has_credentials:
        key = f"Key stored (…{provider.credential_hint})" if provider.credential_hint else "Key stored"
    else:
        key = "No key"
    url = " · URL from the environment" if provider.base_url_from_env else ""
    return f"{key}{url} · {models}"
