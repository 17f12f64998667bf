"""The card formats without a database: PNG chunks, JSON, CHARX, spec detection, prompt text."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from core.cards import CardError, CardLimits, card_summary
from core.cards.codec.charx import read_charx, write_charx
from core.cards.codec.json_cards import decode_card
from core.cards.codec.models import SPEC_V1, SPEC_V2, SPEC_V3, CardV2, CardV3, Lorebook
from core.cards.codec.png_chunks import read_png_card, strip_card_chunks, write_png_card
from core.cards.codec.reader import read_card_file
from core.cards.codec.text import compose_description, compose_examples, parse_examples, split_description
from tests.support.cards import (
    card_texts,
    charx_bytes,
    chunk,
    join_chunks,
    picture,
    png_of,
    split_chunks,
    v1_card,
    v2_png,
    v3_card,
    v3_png,
    with_text_chunks,
)

LIMITS = CardLimits()


def test_reader_prefers_ccv3_and_falls_back_to_chara() -> None:
    both, v3 = v3_png()
    assert read_png_card(both, LIMITS).card.data["name"] == v3["data"]["name"]
    assert read_png_card(both, LIMITS).card.spec == SPEC_V3
    only_v2, v2 = v2_png()
    parsed = read_png_card(only_v2, LIMITS).card
    assert parsed.spec == SPEC_V2 and parsed.data == v2["data"]  # data wins over the stale top level
    upper = with_text_chunks(png_of(picture()), ("CCV3", v3))  # keywords match case-insensitively
    assert read_png_card(upper, LIMITS).card.data["name"] == v3["data"]["name"]


def test_a_broken_ccv3_falls_back_to_chara_with_a_warning() -> None:
    png = with_text_chunks(png_of(picture()), ("chara", {"spec": "chara_card_v2", "data": {"name": "Backup"}}),
                           ("ccv3", "%%% not base64 %%%"))
    parsed = read_png_card(png, LIMITS)
    assert parsed.card.data["name"] == "Backup"
    assert any("not valid base64" in warning for warning in parsed.warnings)


def test_writer_replaces_card_chunks_before_iend_and_copies_every_other_chunk() -> None:
    base = split_chunks(png_of(picture(40, 30, 7)))
    itxt = (b"iTXt", b"Comment\x00\x00\x00\x00\x00kept as is")
    apng = [(b"acTL", b"\x00\x00\x00\x01\x00\x00\x00\x00")]  # APNG control chunk: must survive untouched
    old = with_text_chunks(join_chunks([base[0], *apng, *base[1:-1], itxt, base[-1]]), ("chara", {"name": "Old"}),
                           ("chara-ext-asset_:0", "AAAA"), ("ccv3", {"name": "Old"}))
    written = write_png_card(old, b'{"v":2}', b'{"v":3}', [("0", b"asset-bytes")])
    kinds = [kind for kind, _ in split_chunks(written)]
    assert kinds[-1] == b"IEND" and kinds[-4:-1] == [b"tEXt"] * 3 and kinds[-5] == b"iTXt"
    texts = [data.partition(b"\x00")[0] for kind, data in split_chunks(written) if kind == b"tEXt"]
    assert texts == [b"chara", b"ccv3", b"chara-ext-asset_:0"]
    assert card_texts(written) == {"chara": {"v": 2}, "ccv3": {"v": 3}}
    others = [c for c in split_chunks(written) if c[0] != b"tEXt"]
    assert others == [c for c in split_chunks(old) if c[0] != b"tEXt"]  # IHDR, acTL, IDAT, iTXt, IEND: same bytes
    assert strip_card_chunks(written) == join_chunks(others)


def test_writer_leaves_pixels_identical() -> None:
    source = png_of(picture(50, 40, 9))
    written = write_png_card(source, b"{}", b"{}")
    assert written.startswith(source[:-12]) and written.endswith(source[-12:])  # only chunks were inserted


def test_json_cards_are_detected_by_spec() -> None:
    assert decode_card(json.dumps(v1_card()).encode(), LIMITS).spec == SPEC_V1
    assert decode_card(json.dumps(v3_card()).encode(), LIMITS).spec == SPEC_V3
    with_bom = b"\xef\xbb\xbf" + json.dumps({"spec": "chara_card_v2", "data": {"name": "B"}}).encode()
    assert decode_card(with_bom, LIMITS).spec == SPEC_V2
    no_spec = decode_card(json.dumps({"data": {"name": "N"}}).encode(), LIMITS)
    assert no_spec.spec == SPEC_V2 and no_spec.warnings


@pytest.mark.parametrize(("payload", "reason", "words"), [
    (b'{"spec": "lorebook_v3", "data": {}}', "not_a_card", "lorebook"),
    (b'[1, 2]', "not_a_card", "a list"),
    (b'{"hello": "world"}', "not_a_card", "not a character card"),
    (b'{"spec": "chara_card_v2", "data": {"description": "x"}}', "missing_name", "no name"),
    (b'{"spec": "chara_card_v3", "data": {"name": 42}}', "bad_field", "data.name"),
    (b'{"name": "A", "alternate_greetings": "hi"}', "not_a_card", ""),
    (b'{"spec": "chara_card_v2", "data": {"name": "A", "alternate_greetings": "hi"}}', "bad_field",
     "alternate_greetings"),
    (b'{"name": "A", "description": NaN}', "bad_json", "NaN"),
    (b'{"name": "A",', "bad_json", "not valid JSON"),
    (b'{"name": "A\\u0000B"}', "bad_field", "NUL"),
    (b"[" * 100 + b"]" * 100, "bad_json", "nested"),
])
def test_json_that_is_not_a_usable_card_is_refused(payload: bytes, reason: str, words: str) -> None:
    if payload == b'{"name": "A", "alternate_greetings": "hi"}':  # V1 has no such field: it is simply kept
        assert decode_card(payload, LIMITS).data["alternate_greetings"] == "hi"
        return
    with pytest.raises(CardError) as caught:
        decode_card(payload, LIMITS)
    assert caught.value.reason == reason and words in caught.value.message


def test_a_badly_typed_field_the_studio_only_keeps_is_a_warning() -> None:
    card = decode_card(json.dumps({"spec": "chara_card_v2", "data": {"name": "A", "tags": "x, y",
                                                                      "character_book": {"entries": "none"}}}).encode(),
                       LIMITS)
    assert card.data["tags"] == "x, y"
    assert any("data.tags" in w for w in card.warnings) and any("lorebook" in w for w in card.warnings)


def test_string_limit_names_the_field() -> None:
    card = {"spec": "chara_card_v2", "data": {"name": "A", "character_book": {"entries": [
        {"keys": [], "content": "x" * 2001}]}}}
    with pytest.raises(CardError) as caught:
        decode_card(json.dumps(card).encode(), CardLimits(max_string_chars=2000))
    assert caught.value.reason == "field_too_long"
    assert "data.character_book.entries[0].content" in caught.value.message


def test_models_describe_the_spec_cards() -> None:
    assert CardV2.model_validate({**v2_png()[1]}).data.character_book["entries"][0]["keys"] == ["lighthouse",
                                                                                             "beacon"]
    v3 = CardV3.model_validate(v3_card())
    assert v3.data.group_only_greetings == ["*Ilse nods at the group.*"] and v3.data.assets[1].type == "user_icon"
    book = Lorebook.model_validate(v3_card()["data"]["character_book"])
    assert [entry.use_regex for entry in book.entries] == [False, False, True]


def test_charx_reader_resolves_every_asset_spelling() -> None:
    raw, card = charx_bytes()
    parsed = read_card_file(raw, LIMITS)
    assert parsed.format == "charx" and parsed.card.data["name"] == card["data"]["name"]
    for asset in card["data"]["assets"][:4]:
        assert parsed.resolve(asset["uri"]) is not None, asset["uri"]
    assert parsed.resolve("embeded://assets/missing.png") is None
    assert parsed.resolve("https://example.org/u.png") is None  # never fetched


def _zip(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in names.items():
            info = zipfile.ZipInfo(name)
            archive.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("name", ["../evil.png", "assets/../../evil.png", "/etc/passwd", "C:/x.png", "a\\..\\b.png"])
def test_charx_refuses_unsafe_member_paths(name: str) -> None:
    raw = _zip({"card.json": json.dumps(v3_card()).encode(), name: b"x"})
    with pytest.raises(CardError) as caught:
        read_charx(raw, LIMITS)
    assert caught.value.reason == "unsafe_path"


def test_charx_refuses_a_bomb_before_inflating_it() -> None:
    raw = _zip({"card.json": json.dumps(v3_card()).encode(), "assets/icon/images/a.png": b"x" * 100})
    # Make the central directory claim 3.9 GB for the small member: refused from the header alone.
    entry = raw.rfind(b"PK\x01\x02")
    patched = raw[:entry + 24] + (0xF0000000).to_bytes(4, "little") + raw[entry + 28:]
    with pytest.raises(CardError) as caught:
        read_charx(patched, LIMITS)
    assert caught.value.reason == "zip_bomb" and "without being unpacked" in caught.value.message
    many = _zip({"card.json": b"{}", **{f"f{i}": b"" for i in range(LIMITS.max_zip_members)}})
    with pytest.raises(CardError) as caught:
        read_charx(many, LIMITS)
    assert caught.value.reason == "zip_bomb" and "files" in caught.value.message


def test_charx_without_card_json_is_not_a_card() -> None:
    with pytest.raises(CardError) as caught:
        read_charx(_zip({"cards/card.json": b"{}"}), LIMITS)
    assert caught.value.reason == "not_a_card"


def test_charx_writer_output_is_a_plain_zip() -> None:
    files = [("assets/icon/images/0.png", png_of(picture())), ("assets/background/images/1.png", b"\x89PNG...")]
    raw = write_charx(b'{"spec": "chara_card_v3"}', files)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["card.json", *(name for name, _ in files)]
        assert archive.read("assets/icon/images/0.png") == files[0][1]
        assert archive.getinfo("card.json").compress_type == zipfile.ZIP_DEFLATED
        assert archive.getinfo("assets/icon/images/0.png").compress_type == zipfile.ZIP_STORED


def test_format_detection_names_what_the_file_is() -> None:
    for raw, words in ((b"\xff\xd8\xff\xe0" + b"\x00" * 20, "JPEG"), (b"<html><body>", "HTML"),
                       (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"), (b"plain words", "not a format")):
        with pytest.raises(CardError) as caught:
            read_card_file(raw, LIMITS)
        assert caught.value.reason == "unsupported" and words in caught.value.message
    with pytest.raises(CardError) as caught:
        read_card_file(b"", LIMITS)
    assert caught.value.reason == "empty"


def test_png_damaged_or_without_card() -> None:
    with pytest.raises(CardError) as caught:
        read_card_file(png_of(picture()), LIMITS)
    assert caught.value.reason == "no_card"
    truncated = png_of(picture())[:-20] + chunk(b"tEXt", b"chara\x00")[:6]
    with pytest.raises(CardError):
        read_card_file(truncated, LIMITS)


def test_description_sections_round_trip_and_survive_edits() -> None:
    values = {"description": "A bard.", "persona": "Sings when nervous.", "gender": "male",
              "appearance_tags": ["red hair"], "clothing_tags": [], "voice_tone": "warm", "mood": "friendly",
              "forbidden_phrases": ["as an AI"]}
    text = compose_description(values)
    assert text == ('A bard.\n\n## Persona\nSings when nervous.\n\n## Profile\nGender: male\nAppearance: red hair\n'
                    'Voice: warm\nMood: friendly\nNever says: "as an AI"')
    profile = text.split("## Profile\n")[1]
    assert split_description(text, profile) == ("A bard.", "Sings when nervous.")
    edited = text.replace("A bard.", "A famous bard.").replace("Mood: friendly", "Mood: grim")
    description, persona = split_description(edited, profile)
    assert persona == "Sings when nervous." and description.startswith("A famous bard.")
    assert "Mood: grim" in description  # an edited profile is kept as text, not lost
    unspecified = compose_description({"description": "Plain.", "gender": "unspecified"})
    assert unspecified == "Plain."


def test_examples_become_start_blocks() -> None:
    examples = ["{{user}}: hi\n{{char}}: hello", "*waves*"]
    text = compose_examples(examples)
    assert text == "<START>\n{{user}}: hi\n{{char}}: hello\n<START>\n*waves*"
    assert parse_examples(text) == examples
    assert parse_examples("intro line\n<start>\nA\n\n<START>  \n\nB\n") == ["intro line", "A", "B"]
    assert parse_examples("") == []


def test_card_summary_is_total() -> None:
    assert not card_summary({}).has_card and not card_summary(None).has_card
    summary = card_summary({"spec": "chara_card_v2", "fields": {"creator": "me", "tags": ["a", 3],
                                                                "character_book": {"entries": [{}, {}]}},
                            "extensions": {"chub": {}}})
    assert (summary.creator, summary.tags, summary.lorebook_entries, summary.extension_keys) == (
        "me", ["a"], 2, ["chub"])
    assert card_summary({"spec": "x", "fields": "garbage"}).lorebook_entries == 0
