"""The studio's one-time download links: one fetch each, gone when expired or when their tab closes."""

from __future__ import annotations

from core.cards.export import ExportedCard
from ui.card_downloads import CardDownloads


def _card() -> ExportedCard:
    return ExportedCard("Mira.json", "application/json", [b"{}"], 2)


def test_a_link_gives_its_export_once() -> None:
    registry = CardDownloads()
    card = _card()
    token = registry.offer(card)
    assert registry.take(token) is card
    assert registry.take(token) is None
    assert registry.take("not-a-token") is None


def test_an_unfetched_export_goes_with_its_tab() -> None:
    registry = CardDownloads()
    token = registry.offer(_card())
    registry.discard(token)
    assert len(registry) == 0 and registry.take(token) is None


def test_expired_links_are_refused_and_pruned() -> None:
    registry = CardDownloads(ttl_s=-1.0)  # every link is already past its time
    stale = registry.offer(_card())
    assert registry.take(stale) is None
    registry.offer(_card())
    registry.offer(_card())  # each offer prunes the expired ones
    assert len(registry) == 1
