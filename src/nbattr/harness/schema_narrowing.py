"""The AWS provider's schema answer narrowed to the types one configuration can use.

Terraform decodes the provider's whole `GetSchema` answer in every command: 3.9 MB, 1,358
resource types and 556 data sources in 5.45.0, most of a command's own CPU (decoding, then
the garbage collector). It uses the schema of a type only where the configuration or its state
names that type. The test bench's relay (provider_replay) therefore hands each command the
provider's own answer with only the type maps narrowed to the types the configuration
declares or its state holds: every kept entry, and every other field (the provider block,
diagnostics, capabilities, functions), byte for byte as the provider sent it.

Were a type missed, Terraform would fail loudly, naming it ("The provider hashicorp/aws does
not support resource type ..."); it cannot plan differently for want of a schema it never
reads. Users' Terraform and `nbattr terraform` never go through the relay.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

# tfplugin5.proto, GetProviderSchema.Response: map<string, Schema> resource_schemas = 2,
# data_source_schemas = 3, ephemeral_resource_schemas = 8 (hashicorp/terraform,
# docs/plugin-protocol). On the wire a map is a repeated entry message: key = 1, value = 2.
TYPE_MAPS = frozenset({2, 3, 8})
_LENGTH_DELIMITED = 2
# A block's first label in HCL's native syntax, quoted or a bare identifier.
_BLOCK = re.compile(r'^\s*(?:resource|data|ephemeral)\s+"?([A-Za-z0-9_-]+)"?', re.MULTILINE)
_JSON_BLOCKS = ("resource", "data", "ephemeral")


def configured_types(config: Path) -> frozenset[str]:
    """The resource, data source and ephemeral types `config` and the modules `terraform init`
    recorded for it declare, and the resource types its local state holds."""
    folders = [config, *_module_folders(config)]
    types: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.tf")):
            types.update(_BLOCK.findall(path.read_text()))
        for path in sorted(folder.glob("*.tf.json")):
            document = json.loads(path.read_text())
            for kind in _JSON_BLOCKS:
                types.update(document.get(kind, {}))
    states = [config / "terraform.tfstate", *config.glob("terraform.tfstate.d/*/terraform.tfstate")]
    for state in states:
        if state.is_file() and state.stat().st_size:
            resources = json.loads(state.read_text()).get("resources", [])
            types.update(resource["type"] for resource in resources)
    return frozenset(types)


def _module_folders(config: Path) -> list[Path]:
    """The folders of the modules `terraform init` installed, from its `modules.json`."""
    manifest = config / ".terraform" / "modules" / "modules.json"
    if not manifest.is_file():
        return []
    modules = json.loads(manifest.read_text()).get("Modules", [])
    return [(config / module["Dir"]).resolve() for module in modules if module.get("Dir")]


def narrow(answer: bytes, keep: frozenset[str]) -> bytes:
    """`answer` (a serialized GetProviderSchema.Response) without the type-map entries whose
    key is not in `keep`; everything kept is the provider's bytes, in the provider's order.

    Walked on the wire rather than through a protobuf runtime: re-encoding a parsed message
    would not promise the provider's bytes, and only one level is read."""
    kept = bytearray()
    for number, wire_type, start, end, body in _fields(answer):
        if number in TYPE_MAPS and wire_type == _LENGTH_DELIMITED and _key(body) not in keep:
            continue
        kept += answer[start:end]
    return bytes(kept)


def _key(entry: memoryview) -> str | None:
    for number, wire_type, _, _, body in _fields(entry):
        if number == 1 and wire_type == _LENGTH_DELIMITED:
            return bytes(body).decode()
    return None


def _fields(message: bytes | memoryview) -> Iterator[tuple[int, int, int, int, memoryview]]:
    """Each top-level field: number, wire type, where it starts and ends, and for a
    length-delimited one its payload (protobuf.dev, "Encoding")."""
    view = memoryview(message)
    at = 0
    while at < len(view):
        start = at
        tag, at = _varint(view, at)
        number, wire_type = tag >> 3, tag & 7
        body = view[0:0]
        if wire_type == 0:
            _, at = _varint(view, at)
        elif wire_type == 1:
            at += 8
        elif wire_type == _LENGTH_DELIMITED:
            size, at = _varint(view, at)
            body, at = view[at : at + size], at + size
        elif wire_type == 5:
            at += 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire_type} at byte {start}")
        if at > len(view):
            raise ValueError(f"protobuf field at byte {start} runs past the message's end")
        yield number, wire_type, start, at, body


def _varint(view: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = view[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7
