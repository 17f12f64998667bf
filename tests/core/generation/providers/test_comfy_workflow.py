"""ComfyUI workflows: validation and SillyTavern-compatible placeholders (pure functions)."""

from __future__ import annotations

import json

import pytest

from core.generation.providers.comfy_workflow import (
    WorkflowError,
    example_workflow,
    fill_placeholders,
    placeholders_in,
    uses_reference,
    validate_workflow,
)


def test_placeholders_take_their_json_values_so_numbers_stay_numbers() -> None:
    graph = {"1": {"class_type": "KSampler", "inputs": {"seed": "%seed%", "cfg": "%scale%", "denoise": "%denoise%",
                                                         "sampler_name": "%sampler%", "note": "%prompt% and more",
                                                         "unknown": "%lora%"}}}
    filled = fill_placeholders(graph, {"seed": 42, "scale": 6.5, "denoise": 0.5, "sampler": "euler"})
    assert filled["1"]["inputs"] == {"seed": 42, "cfg": 6.5, "denoise": 0.5, "sampler_name": "euler",
                                     "note": "%prompt% and more", "unknown": "%lora%"}
    assert graph["1"]["inputs"]["seed"] == "%seed%"  # the stored workflow is not changed
    assert '"seed": 42' in json.dumps(filled)


def test_a_placeholder_without_a_value_stays_except_the_reference() -> None:
    graph = {"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "%negative_prompt%"}},
             "2": {"class_type": "LoadImage", "inputs": {"image": "%reference_image%"}}}
    with pytest.raises(WorkflowError, match="reference image"):
        fill_placeholders(graph, {"negative_prompt": None})
    assert fill_placeholders(graph, {"reference_image": "refs/a.png"})["1"]["inputs"]["text"] == "%negative_prompt%"


@pytest.mark.parametrize(("graph", "message"), [
    ("{not json", "not valid JSON"),
    ([], "JSON object of nodes"),
    ({}, "JSON object of nodes"),
    ({"nodes": [], "links": []}, "Export (API)"),
    ({"3": {"inputs": {}}}, "Node 3 has no class_type"),
    ({"3": {"class_type": "KSampler"}}, "Node 3 (KSampler) has no inputs"),
    ({"3": {"class_type": "KSampler", "inputs": {"model": ["4", 0]}}}, "links to node 4"),
])
def test_invalid_workflows_are_named(graph: object, message: str) -> None:
    with pytest.raises(WorkflowError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_workflow(graph)


def test_the_shipped_examples_are_valid_and_only_the_image_to_image_one_needs_a_reference() -> None:
    t2i, i2i = example_workflow("text_to_image"), example_workflow("image_to_image")
    assert not uses_reference(t2i) and uses_reference(i2i)
    assert {"prompt", "negative_prompt", "seed", "width", "height", "steps", "scale", "model"} <= placeholders_in(t2i)
    assert {"reference_image", "denoise"} <= placeholders_in(i2i)
    assert validate_workflow(json.dumps(t2i)) == t2i  # pasted as text, the same graph
    with pytest.raises(WorkflowError, match="No example"):
        example_workflow("upscale")
