"""`terraform init` runs once per configuration; later copies get its kept result."""

from __future__ import annotations

from nbattr.harness import init_cache
from nbattr.harness.workspace import copy_module_tree, prepare


def test_fingerprint_follows_terraform_files_but_not_the_harness_override(project, tmp_path):
    tree = copy_module_tree(project, tmp_path / "tree")
    config = tree / "examples" / "basic"
    first = init_cache.fingerprint(tree, config, "terraform", "1.15.5")
    (config / "_nbattr_override.tf").write_text('provider "aws" {}\n')  # port changes per run
    assert init_cache.fingerprint(tree, config, "terraform", "1.15.5") == first
    assert init_cache.fingerprint(tree, config, "terraform", "1.11.4") != first
    assert init_cache.fingerprint(tree, tree / "examples" / "vpc-kms", "terraform") != first
    versions = tree / "modules" / "execution-role" / "versions.tf"
    versions.write_text(versions.read_text().replace(">= 3.39", ">= 5.0"))
    assert init_cache.fingerprint(tree, config, "terraform", "1.15.5") != first


def test_keep_then_restore_copies_links_and_lock_file(tmp_path):
    config = tmp_path / "config"
    (config / ".terraform" / "providers").mkdir(parents=True)
    (config / ".terraform" / "providers" / "aws").symlink_to(tmp_path / "plugin-cache")
    (config / ".terraform.lock.hcl").write_text("lock")
    store = tmp_path / "store" / "key"
    assert not init_cache.restore(store, tmp_path / "nothing-yet")
    init_cache.keep(config, store)
    init_cache.keep(config, store)  # a second keeper loses the race quietly
    other = tmp_path / "other"
    other.mkdir()
    assert init_cache.restore(store, other)
    assert (other / ".terraform.lock.hcl").read_text() == "lock"
    restored_link = other / ".terraform" / "providers" / "aws"
    assert restored_link.is_symlink() and restored_link.readlink() == tmp_path / "plugin-cache"
    assert sorted(p.name for p in store.parent.iterdir()) == ["key"]  # no staging left over


def test_a_restored_copy_plans_like_an_initialised_one(tools, emulator, tmp_path):
    first = prepare(tools, emulator, tmp_path / "first", "examples/basic")
    first.init()
    second = prepare(tools, emulator, tmp_path / "second", "examples/basic")
    assert second.init_store == first.init_store
    assert second.init().startswith("init result restored")
    plan = second.plan()
    assert len(plan.resource_changes) == len(first.plan().resource_changes) > 0
