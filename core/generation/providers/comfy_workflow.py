"""ComfyUI workflows: validate an "Export (API)" graph and fill its placeholders.

The placeholders are SillyTavern's, so its users' workflows work unchanged: a string value that is
exactly ``"%name%"`` is replaced by the JSON value of that parameter, so numbers stay numbers
(``"%seed%"`` becomes ``12345``, not ``"12345"``). SillyTavern replaces the quoted strings in the
workflow's text; walking the parsed graph does the same without ever producing invalid JSON.
Pure functions: no I/O, so the model form can validate a pasted workflow with the same code the
adapter runs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

# What each placeholder is called in a workflow; the adapter supplies the values.
PLACEHOLDERS = ("prompt", "negative_prompt", "seed", "width", "height", "steps", "scale", "denoise", "model",
                "sampler", "scheduler", "clip_skip", "reference_image", "char_avatar")
REFERENCE_PLACEHOLDERS = ("reference_image", "char_avatar")
MAX_NODES = 2_000
EXAMPLES = {"text_to_image": "text_to_image.json", "image_to_image": "image_to_image.json"}


class WorkflowError(ValueError):
    """A workflow that ComfyUI could not run; the message says where."""


def validate_workflow(graph: Any) -> dict[str, dict[str, Any]]:
    """The graph when it is a ComfyUI API graph: node ids to ``{"class_type", "inputs"}``.

    A workflow saved with the ordinary "Save" (the UI format, with ``nodes`` and ``links``) is named
    as such: it is the most common mistake, and ComfyUI's own answer to it is cryptic.
    """
    if isinstance(graph, str):
        try:
            graph = json.loads(graph)
        except ValueError as exc:
            raise WorkflowError(f"The workflow is not valid JSON: {exc}") from exc
    if not isinstance(graph, dict) or not graph:
        raise WorkflowError("The workflow must be a JSON object of nodes (ComfyUI's “Export (API)”)")
    if "nodes" in graph and "links" in graph:
        raise WorkflowError("This is a workflow in ComfyUI's UI format: export it with “Export (API)” instead")
    if len(graph) > MAX_NODES:
        raise WorkflowError(f"The workflow has {len(graph)} nodes; at most {MAX_NODES} are accepted")
    for node_id, node in graph.items():
        _check_node(str(node_id), node, graph)
    return graph


def fill_placeholders(graph: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``graph`` with every ``"%name%"`` string replaced by ``values[name]``.

    A placeholder with no value stays as it is (ComfyUI then names the node it reaches), except the
    reference ones, which are an error here: the image would silently be missing.
    """
    filled = copy.deepcopy(dict(graph))
    for inputs, key, name in _placeholder_sites(filled):
        if name in values and values[name] is not None:
            inputs[key] = values[name]
        elif name in REFERENCE_PLACEHOLDERS:
            raise WorkflowError(f"The workflow needs a reference image (“%{name}%”) and none was given")
    return filled


def placeholders_in(graph: Mapping[str, Any]) -> set[str]:
    """The placeholder names a graph uses (the model form shows them; a reference one means I2I)."""
    return {name for _, _, name in _placeholder_sites(graph)}


def uses_reference(graph: Mapping[str, Any]) -> bool:
    return bool(placeholders_in(graph) & set(REFERENCE_PLACEHOLDERS))


def example_workflow(name: str) -> dict[str, Any]:
    """One of the shipped examples (``text_to_image``, ``image_to_image``), parsed and validated."""
    if name not in EXAMPLES:
        raise WorkflowError(f"No example workflow {name!r} (there are: {', '.join(EXAMPLES)})")
    text = (resources.files("core") / "seed_data" / "comfyui" / EXAMPLES[name]).read_text(encoding="utf-8")
    return validate_workflow(json.loads(text))


def _check_node(node_id: str, node: Any, graph: Mapping[str, Any]) -> None:
    if not isinstance(node, dict):
        raise WorkflowError(f"Node {node_id} is not an object")
    class_type = node.get("class_type")
    if not isinstance(class_type, str) or not class_type.strip():
        raise WorkflowError(f"Node {node_id} has no class_type")
    inputs = node.get("inputs")
    if not isinstance(inputs, dict):
        raise WorkflowError(f"Node {node_id} ({class_type}) has no inputs object")
    for name, value in inputs.items():
        if _is_link(value) and str(value[0]) not in graph:
            raise WorkflowError(f"Node {node_id} ({class_type}) input {name!r} links to node {value[0]}, "
                                "which is not in the workflow")


def _is_link(value: Any) -> bool:
    """``[source_node_id, output_index]``: how ComfyUI's API format wires one node to another."""
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int)
            and not isinstance(value[0], bool) and isinstance(value[1], int) and not isinstance(value[1], bool))


def _placeholder_sites(graph: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str, str]]:
    """(inputs dict, key, placeholder name) for every input that is exactly ``"%name%"``."""
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if not isinstance(inputs, dict):
            continue
        for key, value in inputs.items():
            if isinstance(value, str) and len(value) > 2 and value[0] == value[-1] == "%":
                name = value[1:-1]
                if name in PLACEHOLDERS:
                    yield inputs, key, name
