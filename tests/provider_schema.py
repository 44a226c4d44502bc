"""The newest hashicorp/aws provider's schema that can be had here, and what our Terraform uses.

No current AWS provider binary can be had on these machines, but its schema can be read from
the bindings CDK Terrain generates from it: PyPI's `cdktn-provider-aws` (pinned by hash in
tools/aws-provider-schema/requirements.txt, downloaded by `make tools`) carries the npm
package as `_jsii/provider-aws@<version>.jsii.tgz`, whose `.jsii` manifest has one class per
resource and data source (its docs link the registry page, naming the provider version and
the Terraform type) and one config struct per resource and nested block (each property links
its Terraform argument name).

What the bindings do not carry: the provider schema's deprecation messages (hashicorp/aws
deprecates `aws_s3_bucket`'s `acl`, "Use the aws_s3_bucket_acl resource instead"; the
bindings call it stable). Deprecation is read where the manifest marks it
(`docs.deprecated`), which for configuration arguments is nowhere today.

The 150 MB manifest is read once per wheel and kept as a small index in the harness's cache.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

SCHEMA_DIR = Path(__file__).parents[1] / "tools" / "aws-provider-schema"
ASSEMBLY = "@cdktn/provider-aws."
_LINK = re.compile(
    r"registry\.terraform\.io/providers/hashicorp/aws/(?P<version>[0-9.]+)/docs/"
    r"(?P<kind>resources|data-sources)/(?P<name>[a-z0-9_]+)(?:#(?P<arg>[a-z0-9_]+))?"
)
# Meta-arguments and blocks Terraform itself handles, in any resource or data block.
META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
INDEX_FORMAT = 1


@dataclass
class Block:
    """A resource, data source or nested block: arguments and blocks by Terraform name, each
    with its deprecation message (None when not deprecated)."""

    arguments: dict[str, str | None] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    deprecated: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "arguments": self.arguments,
            "blocks": {name: block.as_json() for name, block in self.blocks.items()},
            "deprecated": self.deprecated,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(
            dict(data["arguments"]),
            {name: cls.from_json(block) for name, block in data["blocks"].items()},
            data["deprecated"],
        )


@dataclass
class ProviderSchema:
    provider_version: str  # the hashicorp/aws release the bindings were generated from
    source: str  # the bindings read, e.g. "cdktn-provider-aws 25.8.1 (PyPI)"
    resources: dict[str, Block]
    data_sources: dict[str, Block]


def wheel() -> Path | None:
    found = sorted(SCHEMA_DIR.glob("cdktn_provider_aws-*.whl"))
    return found[-1] if found else None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _structs(type_ref: dict[str, Any]) -> Iterator[str]:
    """The provider's own structs a property's type refers to (a nested block's config)."""
    fqn = type_ref.get("fqn")
    if isinstance(fqn, str) and fqn.startswith(ASSEMBLY):
        yield fqn
    for member in type_ref.get("union", {}).get("types", []):
        yield from _structs(member)
    if "collection" in type_ref:
        yield from _structs(type_ref["collection"]["elementtype"])


def _deprecation(docs: dict[str, Any]) -> str | None:
    if "deprecated" in docs:
        return str(docs["deprecated"]) or "deprecated"
    return "deprecated" if docs.get("stability") == "deprecated" else None


def _block(types: dict[str, Any], fqn: str, seen: frozenset[str] = frozenset()) -> Block:
    struct = types[fqn]
    block = Block(deprecated=_deprecation(struct.get("docs", {})))
    for prop in struct.get("properties", []):
        docs = prop.get("docs", {})
        link = _LINK.search(docs.get("summary", "") + " " + docs.get("remarks", ""))
        name = link["arg"] if link and link["arg"] else _snake(prop["name"])
        nested = [s for s in _structs(prop["type"]) if types.get(s, {}).get("datatype")]
        if nested and nested[0] not in seen:
            child = _block(types, nested[0], seen | {fqn})
            child.deprecated = child.deprecated or _deprecation(docs)
            block.blocks[name] = child
        else:
            block.arguments[name] = _deprecation(docs)
    return block


def _index(manifest: dict[str, Any]) -> dict[str, Any]:
    types = manifest["types"]
    versions: set[str] = set()
    kinds: dict[str, dict[str, Any]] = {"resources": {}, "data-sources": {}}
    for item in types.values():
        if item.get("kind") != "class":
            continue
        link = _LINK.search(item.get("docs", {}).get("summary", ""))
        parameters = (item.get("initializer") or {}).get("parameters", [])
        config = next((p for p in parameters if p["name"] == "config"), None)
        if not link or config is None or link["arg"]:
            continue
        versions.add(link["version"])
        block = _block(types, config["type"]["fqn"])
        block.deprecated = _deprecation(item.get("docs", {}))
        kinds[link["kind"]][f"aws_{link['name']}"] = block.as_json()
    if len(versions) != 1:
        raise ValueError(f"bindings name several provider versions: {sorted(versions)}")
    return {
        "format": INDEX_FORMAT,
        "provider_version": versions.pop(),
        "bindings_version": manifest["version"],
        "resources": kinds["resources"],
        "data_sources": kinds["data-sources"],
    }


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        (inner,) = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
        packed = archive.read(inner)
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
        member = tar.extractfile("package/.jsii")
        assert member is not None, f"{inner} holds no package/.jsii"
        return json.load(member)


def load(path: Path, cache_dir: Path) -> ProviderSchema:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    cached = cache_dir / f"aws-provider-schema-{INDEX_FORMAT}-{digest}.json"
    if cached.exists():
        index = json.loads(cached.read_text())
    else:
        index = _index(_manifest(path))
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(index))
        partial.replace(cached)  # atomic: parallel workers may build it side by side
    return ProviderSchema(
        provider_version=index["provider_version"],
        source=f"cdktn-provider-aws {index['bindings_version']} (PyPI)",
        resources={k: Block.from_json(v) for k, v in index["resources"].items()},
        data_sources={k: Block.from_json(v) for k, v in index["data_sources"].items()},
    )


# What our configurations use.


@dataclass(frozen=True)
class Use:
    file: str  # relative to the project
    kind: str  # "resource" or "data"
    type: str
    address: str
    path: tuple[str, ...] = ()  # the blocks from the resource down to `name`
    name: str | None = None  # the argument or block used; None: the type itself
    is_block: bool = False

    def where(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{self.file}: {prefix}{self.type}.{self.address}"


def _body_uses(use: Use, body: dict[str, Any], schema: Block | None) -> Iterator[Use]:
    """The arguments and blocks of one resource body (or nested block) at `use.path`."""
    for key, value in body.items():
        if (not use.path and key in META) or key.startswith("__"):  # the parser's line numbers
            continue
        if key == "dynamic":  # dynamic "name" { content { ... } }
            for dynamic in value:
                for name, spec in dynamic.items():
                    yield Use(use.file, use.kind, use.type, use.address, use.path, name, True)
                    inner = Use(use.file, use.kind, use.type, use.address, (*use.path, name))
                    for content in spec.get("content", []):
                        yield from _body_uses(inner, content, schema and schema.blocks.get(name))
            continue
        nested = isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
        block = schema.blocks.get(key) if schema else None
        # An unknown name written as a block (`name { }`) is reported as one.
        is_block = nested and (block is not None or schema is None or key not in schema.arguments)
        yield Use(use.file, use.kind, use.type, use.address, use.path, key, is_block)
        if is_block:
            inner = Use(use.file, use.kind, use.type, use.address, (*use.path, key))
            for item in value:
                yield from _body_uses(inner, item, block)


def uses(root: Path, files: list[Path], schema: ProviderSchema) -> list[Use]:
    """Every aws_* resource and data source in `files`, with each argument and block used."""
    found: list[Use] = []
    for path in files:
        parsed = hcl2.loads(path.read_text())
        rel = path.relative_to(root).as_posix()
        for kind, known in (("resource", schema.resources), ("data", schema.data_sources)):
            for entry in parsed.get(kind, []):
                for type_, instances in entry.items():
                    if not type_.startswith("aws_"):
                        continue
                    for address, body in instances.items():
                        itself = Use(rel, kind, type_, address)
                        found.append(itself)
                        found += _body_uses(itself, body, known.get(type_))
    return found


def problems(schema: ProviderSchema, used: list[Use]) -> list[str]:
    """What `used` names that the schema lacks or marks deprecated, one line each."""
    version = f"hashicorp/aws {schema.provider_version}"
    found = []
    for use in used:
        known = schema.resources if use.kind == "resource" else schema.data_sources
        block = known.get(use.type)
        if use.name is None:
            if block is None:
                found.append(
                    f"{use.where()}: {use.kind} type {use.type} does not exist in {version}"
                )
            elif block.deprecated:
                found.append(
                    f"{use.where()}: {use.kind} type is deprecated in {version}: {block.deprecated}"
                )
            continue
        for step in use.path:
            block = block.blocks.get(step) if block else None
        if block is None:
            continue  # reported with the type or the enclosing block
        name = ".".join((*use.path, use.name))
        if use.name in block.blocks:
            message = block.blocks[use.name].deprecated
            what = "block"
        elif use.name in block.arguments:
            message = block.arguments[use.name]
            what = "argument"
        else:
            what = "block" if use.is_block else "argument"
            found.append(f"{use.where()}: {what} {name} does not exist in {version}")
            continue
        if message:
            found.append(f"{use.where()}: {what} {name} is deprecated in {version}: {message}")
    return sorted(set(found))


def terraform_files(root: Path) -> list[Path]:
    """The root module, each submodule and each example."""
    folders = [root, *sorted((root / "modules").iterdir()), *sorted((root / "examples").iterdir())]
    return [f for folder in folders if folder.is_dir() for f in sorted(folder.glob("*.tf"))]
