"""Reuse `terraform init`'s result across private working copies of the same configuration.

Every test and the demo work on a fresh copy of the module tree, and each copy used to run
`terraform init`: about 3 s with provider 5.45.0, most of it Terraform hashing the 490 MB
provider in the plugin cache. What init leaves behind (`.terraform/` with its links into the
plugin cache and the module manifest, and `.terraform.lock.hcl`) depends only on the
configuration's Terraform files, the Terraform binary and the CLI config, so it is kept once
per fingerprint of those and copied into later copies. Relative paths stay valid because
every copy has the same layout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

# What init writes into a configuration folder.
INIT_PRODUCTS = (".terraform", ".terraform.lock.hcl")
# The harness's own files (provider endpoints, a port that changes every run) do not
# change what init installs.
HARNESS_PREFIX = "_nbattr_"


def fingerprint(tree: Path, config: Path, *facts: str) -> str:
    """A digest of every Terraform file under `tree`, the config's place in it, and `facts`
    (the Terraform binary and version, the CLI config's text)."""
    digest = hashlib.sha256()
    for fact in (*facts, config.relative_to(tree).as_posix()):
        digest.update(fact.encode() + b"\0")
    # Both syntaxes: a .tf.json file's module calls change what init installs too.
    tf_files = [*tree.rglob("*.tf"), *tree.rglob("*.tf.json")]
    for tf_file in sorted(tf_files):
        if tf_file.name.startswith(HARNESS_PREFIX) or ".terraform" in tf_file.parts:
            continue
        digest.update(tf_file.relative_to(tree).as_posix().encode() + b"\0")
        digest.update(tf_file.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _copy_products(source: Path, target: Path) -> None:
    """Copy what init wrote from one folder to another, links kept as links."""
    for name in INIT_PRODUCTS:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, symlinks=True, dirs_exist_ok=True)
        elif (source / name).is_file():
            shutil.copy2(source / name, target / name)


def restore(store: Path, config: Path) -> bool:
    """Copy a kept init result into `config`; False when there is none yet."""
    if not (store / "complete").is_file():
        return False
    _copy_products(store, config)
    return True


def keep(config: Path, store: Path) -> None:
    """Keep `config`'s init result under `store`, atomically: a reader sees all or none."""
    store.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=store.name + ".", dir=store.parent))
    try:
        _copy_products(config, staging)
        (staging / "complete").write_text("")
        try:
            os.rename(staging, store)
        except OSError:  # another process kept the same result first
            return
    finally:
        shutil.rmtree(staging, ignore_errors=True)
