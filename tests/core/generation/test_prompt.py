"""The prompt builder, rule by rule, in the seed's order."""

from __future__ import annotations

from core.generation.prompt import (
    IDENTITY_PHRASE,
    QUALITY_ENHANCERS,
    QUALITY_TAGS,
    build_prompt,
)


def test_rule_1_quality_tags_come_first() -> None:
    assert build_prompt(gender="female").startswith(QUALITY_TAGS + ", ")


def test_rule_2_gender_tag_female_male_other() -> None:
    assert "1girl, beautiful woman" in build_prompt(gender="female")
    assert "1boy, handsome man" in build_prompt(gender="male")
    for other in ("non-binary", "unspecified", None):
        assert "1person, portrait" in build_prompt(gender=other)


def test_rule_3_at_most_eight_appearance_tags() -> None:
    tags = [f"a{i}" for i in range(12)]
    prompt = build_prompt(gender="male", appearance_tags=tags)
    assert "a7" in prompt and "a8" not in prompt


def test_rule_4_at_most_four_clothing_tags_as_wearing() -> None:
    prompt = build_prompt(gender="male", clothing_tags=["coat", "boots", "hat", "scarf", "gloves"])
    assert "wearing coat, boots, hat, scarf" in prompt and "gloves" not in prompt
    assert "wearing" not in build_prompt(gender="male", clothing_tags=[" ", ""])


def test_rule_5_presets_in_pose_expression_outfit_camera_order() -> None:
    prompt = build_prompt(gender="female", presets={"camera": "CAM", "pose": "POSE", "outfit": "OUT",
                                                     "expression": "EXP"})
    assert prompt.index("POSE") < prompt.index("EXP") < prompt.index("OUT") < prompt.index("CAM")


def test_rule_6_user_prompt_is_cut_at_200_characters() -> None:
    prompt = build_prompt(gender="female", user_prompt="x" * 250)
    assert "x" * 200 in prompt and "x" * 201 not in prompt


def test_rule_7_identity_phrase_only_for_i2i() -> None:
    assert IDENTITY_PHRASE in build_prompt(gender="female", i2i=True)
    assert IDENTITY_PHRASE not in build_prompt(gender="female", i2i=False)


def test_rule_8_quality_enhancers_come_last() -> None:
    assert build_prompt(gender="female", user_prompt="on a beach", i2i=True).endswith(QUALITY_ENHANCERS)


def test_full_order_and_determinism() -> None:
    kwargs = dict(gender="female", appearance_tags=["red hair"], clothing_tags=["green dress"],
                  presets={"pose": "standing"}, user_prompt="in a forest", i2i=True)
    prompt = build_prompt(**kwargs)  # type: ignore[arg-type]
    assert prompt == build_prompt(**kwargs)  # type: ignore[arg-type]
    assert prompt == ", ".join([QUALITY_TAGS, "1girl, beautiful woman", "red hair", "wearing green dress",
                                "standing", "in a forest", IDENTITY_PHRASE, QUALITY_ENHANCERS])


def test_appearance_details_follow_the_tags_and_are_left_out_when_empty() -> None:
    with_details = build_prompt(gender="female", appearance_tags=["red hair"], clothing_tags=["coat"],
                                appearance_details="  A thin scar\nthrough the left brow. ")
    assert "red hair, A thin scar through the left brow, wearing coat" in with_details
    assert build_prompt(gender="female", appearance_tags=["red hair"], appearance_details="  ") == \
        build_prompt(gender="female", appearance_tags=["red hair"])  # the seed's prompt when there are none
    long = build_prompt(gender="female", appearance_details="x" * 500)
    assert "x" * 200 in long and "x" * 201 not in long
