"""Character Card V1/V2/V3 in PNG, JSON and CHARX files: models, readers, writers, mapping.

No NiceGUI, no HTTP, no storage here: :mod:`core.cards.importer` and :mod:`core.cards.export` are the
services that use this package with a context and an acting user.

* ``models``      typed V1/V2/V3 cards and lorebooks; spec detection
* ``limits``      bounds on untrusted card files (sizes, depth, strings, archives)
* ``json_cards``  strict JSON decoding and the encodings the writers use
* ``png_chunks``  ``chara``/``ccv3`` (and asset) ``tEXt`` chunks, read and written at chunk level
* ``charx``       CHARX ZIPs, checked before anything is unpacked; a fast writer
* ``reader``      format detection from bytes and asset URI resolution
* ``text``        studio fields as prompt text (description sections, ``<START>`` blocks)
* ``mapping``     a character as a V3 card
* ``import_plan`` a card as the rows and images to create
* ``summary``     what the UI shows of a character's card
"""

from core.cards.errors import CardError
from core.cards.limits import CardLimits
from core.cards.summary import CardSummary, card_summary

__all__ = ["CardError", "CardLimits", "CardSummary", "card_summary"]
