"""Checking an Open Inference Protocol v2 inference request (KServe / Seldon MLServer).

The model takes one ``BYTES`` input tensor named ``text``: one sentence per
element, shape ``[n]`` (or ``[n, 1]``), data flat or nested in row-major order
as the protocol allows. It answers with the outputs ``label`` (``BYTES``,
``[n]``) and ``scores`` (``FP32``, ``[n, 4]``, columns in label order); a
request's ``outputs`` may ask for one of them only. The same limits as
``/v1/classify`` apply. Failures are :class:`InferenceRequestError` (HTTP 400,
the protocol's usual status) naming the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ServiceError
from ..validation import json_type

__all__ = [
    "INPUT_NAME",
    "LABEL_OUTPUT",
    "SCORES_OUTPUT",
    "OUTPUT_NAMES",
    "InferenceRequest",
    "InferenceRequestError",
    "ModelNotFound",
    "inference_request",
]

INPUT_NAME = "text"
LABEL_OUTPUT, SCORES_OUTPUT = "label", "scores"
OUTPUT_NAMES = (LABEL_OUTPUT, SCORES_OUTPUT)
#: MLServer's content type for a BYTES tensor of UTF-8 strings; the only one accepted.
STRING_CONTENT_TYPE = "str"


class InferenceRequestError(ServiceError):
    status, code = 400, "invalid_inference_request"


class ModelNotFound(ServiceError):
    """The URL names a model (or version) this server does not serve."""

    status, code = 404, "model_not_found"


@dataclass(frozen=True)
class InferenceRequest:
    """A checked inference request: the client's ``id`` (if any), the sentences, the outputs wanted."""

    id: str | None
    sentences: list[str]
    outputs: tuple[str, ...]


def inference_request(body: dict, max_sentences: int, max_chars: int) -> InferenceRequest:
    """Check an inference request body.

    Raises
    ------
    InferenceRequestError
        Naming the field at fault (``inputs[0].shape``, ``inputs[0].data[3]``, ...).
    """
    request_id = body.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InferenceRequestError(f"id: must be a string, got {json_type(request_id)}")
    _optional_object(body, "parameters", "parameters")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1:
        raise InferenceRequestError(
            f"inputs: must be a list of exactly one tensor (BYTES, named '{INPUT_NAME}'), got "
            + (f"{len(inputs)} tensors" if isinstance(inputs, list) else json_type(inputs))
        )
    sentences = _sentences(inputs[0], max_sentences, max_chars)
    return InferenceRequest(request_id, sentences, _requested_outputs(body))


def _sentences(tensor, max_sentences: int, max_chars: int) -> list[str]:
    where = "inputs[0]"
    if not isinstance(tensor, dict):
        raise InferenceRequestError(
            f"{where}: must be an object (name, shape, datatype, data), got {json_type(tensor)}"
        )
    if tensor.get("name") != INPUT_NAME:
        raise InferenceRequestError(
            f"{where}.name: this model's input is named '{INPUT_NAME}', got {tensor.get('name')!r}"
        )
    if tensor.get("datatype") != "BYTES":
        raise InferenceRequestError(
            f"{where}.datatype: must be 'BYTES' (UTF-8 strings), got {tensor.get('datatype')!r}"
        )
    parameters = _optional_object(tensor, "parameters", f"{where}.parameters")
    content_type = parameters.get("content_type")
    if content_type is not None and content_type != STRING_CONTENT_TYPE:
        raise InferenceRequestError(
            f"{where}.parameters.content_type: only '{STRING_CONTENT_TYPE}' is supported, got {content_type!r}"
        )
    count = _batch_size(tensor.get("shape"), f"{where}.shape", max_sentences)
    data = tensor.get("data")
    if not isinstance(data, list):
        raise InferenceRequestError(f"{where}.data: must be a list of strings, got {json_type(data)}")
    sentences = _flatten(data)
    if len(sentences) != count:
        raise InferenceRequestError(f"{where}.data: holds {len(sentences)} elements but the shape says {count}")
    for index, sentence in enumerate(sentences):
        if not isinstance(sentence, str):
            raise InferenceRequestError(f"{where}.data[{index}]: must be a string, got {json_type(sentence)}")
        if not sentence.strip():
            raise InferenceRequestError(f"{where}.data[{index}]: must not be empty or blank")
        if len(sentence) > max_chars:
            raise InferenceRequestError(
                f"{where}.data[{index}]: is {len(sentence)} characters; the limit is {max_chars}",
                code="sentence_too_long",
            )
    return sentences


def _batch_size(shape, where: str, max_sentences: int) -> int:
    """The number of sentences a ``[n]`` or ``[n, 1]`` shape holds."""
    valid = (
        isinstance(shape, list)
        and len(shape) in (1, 2)
        and all(isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape)
        and (len(shape) == 1 or shape[1] == 1)
    )
    if not valid:
        raise InferenceRequestError(f"{where}: must be [n] or [n, 1] for n sentences, got {shape!r}")
    if shape[0] < 1:
        raise InferenceRequestError(f"{where}: must hold at least one sentence")
    if shape[0] > max_sentences:
        raise InferenceRequestError(
            f"{where}: holds {shape[0]} sentences; the limit is {max_sentences}", code="too_many_sentences"
        )
    return shape[0]


def _flatten(data: list) -> list:
    """Row-major elements of flat or nested data (nesting is bounded by the JSON depth limit)."""
    flat = []
    for item in data:
        if isinstance(item, list):
            flat.extend(_flatten(item))
        else:
            flat.append(item)
    return flat


def _requested_outputs(body: dict) -> tuple[str, ...]:
    requested = body.get("outputs")
    if requested is None or requested == []:
        return OUTPUT_NAMES
    if not isinstance(requested, list):
        raise InferenceRequestError(f"outputs: must be a list of {{'name': ...}}, got {json_type(requested)}")
    names = []
    for index, output in enumerate(requested):
        name = output.get("name") if isinstance(output, dict) else None
        if name not in OUTPUT_NAMES:
            raise InferenceRequestError(
                f"outputs[{index}].name: this model's outputs are {', '.join(OUTPUT_NAMES)}, got {name!r}"
            )
        _optional_object(output, "parameters", f"outputs[{index}].parameters")
        names.append(name)
    return tuple(name for name in OUTPUT_NAMES if name in names)  # the model's order, each once


def _optional_object(container: dict, field: str, where: str) -> dict:
    value = container.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InferenceRequestError(f"{where}: must be an object, got {json_type(value)}")
    return value
