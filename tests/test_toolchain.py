"""The toolchain: bundled Terraform shim, provider mirror, CLI config, environment isolation."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nbattr.harness import toolchain as tc


def _shim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = tc.clean_environ({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"})
    return subprocess.run(
        [str(tc.install_shim()), *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def test_shim_is_terraform_1_15_5(tmp_path):
    done = _shim("version", "-json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["terraform_version"] == "1.15.5"


def test_shim_keeps_exit_codes_and_streams(tmp_path):
    (tmp_path / "main.tf").write_text('output "answer" {\n  value = 42\n}\n')
    assert _shim("init", "-input=false", cwd=tmp_path).returncode == 0
    first = _shim("plan", "-detailed-exitcode", "-input=false", "-no-color", cwd=tmp_path)
    assert first.returncode == 2, first.stderr  # changes pending (a new output)
    assert "answer = 42" in first.stdout
    assert _shim("apply", "-auto-approve", "-input=false", cwd=tmp_path).returncode == 0
    second = _shim("plan", "-detailed-exitcode", "-input=false", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr

    (tmp_path / "main.tf").write_text('output "answer" {\n  value = nope\n}\n')
    broken = _shim("validate", "-no-color", cwd=tmp_path)
    assert broken.returncode == 1
    assert "nope" in broken.stderr  # errors on stderr, not mixed into stdout


def _mirror(folder: Path, version: str = "5.45.0", content: bytes = b"zip") -> Path:
    """A packed mirror holding a stand-in provider zip and the SHA256SUMS that lists it."""
    relative = f"{tc.AWS_PROVIDER_DIR.as_posix()}/terraform-provider-aws_{version}_linux_amd64.zip"
    (folder / relative).parent.mkdir(parents=True, exist_ok=True)
    (folder / relative).write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    (folder / "SHA256SUMS").write_text(f"{digest}  {relative}\n")
    return folder


def test_shared_mirror_matches_its_sha256sums(project):
    shared = tc.shared_mirror()
    if shared is None:
        pytest.skip("no ../shared/tf-mirror beside this checkout")
    tc.verify_mirror(shared)  # the real 5.45.0 zip against the team's SHA256SUMS
    assert "5.45.0" in tc.aws_versions_in(shared)


def test_provider_zip_with_wrong_hash_is_refused(tmp_path, monkeypatch):
    mirror = _mirror(tmp_path / "mirror")
    tc.verify_mirror(mirror)
    zip_path = next((mirror / tc.AWS_PROVIDER_DIR).glob("*.zip"))
    zip_path.write_bytes(b"tampered")
    with pytest.raises(tc.ToolchainError, match=r"refusing provider zip .* SHA-256"):
        tc.verify_mirror(mirror)
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(mirror))
    with pytest.raises(tc.ToolchainError, match="refusing provider zip"):
        tc.provider_mirror()

    unlisted = _mirror(tmp_path / "unlisted")
    (unlisted / "SHA256SUMS").write_text("")
    with pytest.raises(tc.ToolchainError, match="not listed in"):
        tc.verify_mirror(unlisted)


def test_tf_provider_mirror_selects_another_mirror(tmp_path, monkeypatch):
    _mirror(tmp_path / "other", "5.27.0")
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(tmp_path / "other"))
    assert tc.provider_mirror() == tc.ProviderMirror((tmp_path / "other").resolve(), ("5.27.0",))

    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(tmp_path / "empty"))
    with pytest.raises(tc.ToolchainError, match="holds no"):
        tc.provider_mirror()


def test_cli_config_uses_mirror_only_for_hashicorp(tmp_path):
    text = tc.cli_config_text(tc.ProviderMirror(tmp_path, ("5.45.0",)), tmp_path / "cache")
    assert f'path    = "{tmp_path}"' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/*"]' in text
    registry = tc.cli_config_text(tc.ProviderMirror(None, ()), tmp_path / "cache")
    assert "provider_installation" not in registry


def _fake_terraform(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    binary = folder / "terraform"
    binary.write_text(f'#!/bin/sh\necho \'{{"terraform_version": "{version}"}}\'\n')
    binary.chmod(0o755)
    return binary


def test_terraform_on_path_wins_when_recent_enough(tmp_path, monkeypatch):
    recent = _fake_terraform(tmp_path / "recent", "1.6.2")
    old = _fake_terraform(tmp_path / "old", "1.4.7")
    monkeypatch.delenv("TERRAFORM", raising=False)
    monkeypatch.setenv("PATH", f"{old.parent}{os.pathsep}{recent.parent}")
    chosen = tc.find_terraform()
    assert (chosen.binary, chosen.version, chosen.origin) == (str(recent), (1, 6, 2), "path")


def test_old_terraform_falls_back_to_bundled(tmp_path, monkeypatch):
    old = _fake_terraform(tmp_path / "old", "1.4.7")
    monkeypatch.delenv("TERRAFORM", raising=False)
    monkeypatch.setenv("PATH", str(old.parent))
    chosen = tc.find_terraform()
    assert chosen.origin == "bundled" and chosen.version == (1, 15, 5)


def test_terraform_tofu_without_tofu_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TERRAFORM", "tofu")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(tc.sys, "executable", str(tmp_path / "python"))  # none beside it
    with pytest.raises(tc.ToolchainError, match=re.escape("no `tofu` >= 1.5 is on PATH")):
        tc.find_terraform()


def test_terraform_tofu_finds_the_one_make_tools_builds(tmp_path, monkeypatch):
    """`make tools` builds tofu into the venv's bin, which `make test` does not put on PATH."""
    venv_bin = tmp_path / "bin"
    tofu = _fake_terraform(venv_bin, "1.12.6").rename(venv_bin / "tofu")
    tofu.write_text(
        '#!/bin/sh\nif [ "$2" = -json ]; then echo \'{"terraform_version": "1.12.6"}\'; '
        "else echo OpenTofu v1.12.6; fi\n"
    )
    monkeypatch.setenv("TERRAFORM", "tofu")
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setattr(tc.sys, "executable", str(venv_bin / "python"))
    chosen = tc.find_terraform()
    assert (chosen.binary, chosen.version, chosen.opentofu) == (str(tofu), (1, 12, 6), True)
    assert chosen.registry == "registry.opentofu.org"


def test_opentofu_gets_the_mirror_under_its_own_registry(tmp_path, monkeypatch):
    """OpenTofu resolves hashicorp/aws on registry.opentofu.org: it is offered the same zips
    there, linked from the Terraform mirror, and nothing else of hashicorp/* goes online."""
    mirror = tmp_path / "mirror"
    zip_path = mirror / tc.AWS_PROVIDER_DIR / "terraform-provider-aws_5.45.0_linux_amd64.zip"
    zip_path.parent.mkdir(parents=True)
    zip_path.write_bytes(b"zip")
    monkeypatch.setenv("NBATTR_CACHE_DIR", str(tmp_path / "cache"))
    view = tc.opentofu_mirror_view(tc.ProviderMirror(mirror, ("5.45.0",)))
    linked = view.path / "registry.opentofu.org/hashicorp/aws" / zip_path.name
    assert linked.is_symlink() and linked.read_bytes() == b"zip"
    text = tc.cli_config_text(view, tmp_path / "plugins", tc.OPENTOFU_REGISTRY)
    assert f'path    = "{view.path}"' in text
    assert 'include = ["registry.opentofu.org/hashicorp/*"]' in text
    assert 'exclude = ["registry.opentofu.org/hashicorp/*"]' in text
    assert tc.opentofu_mirror_view(tc.ProviderMirror(mirror, ("5.45.0",))) == view  # idempotent


def test_terraform_env_ignores_the_callers_shell(tools, monkeypatch):
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", "/nonexistent/terraformrc")
    monkeypatch.setenv("AWS_PROFILE", "someone-elses")
    monkeypatch.setenv("TF_VAR_role_name", "injected")
    env = tools.env({"AWS_REGION": "eu-west-1"})
    assert env["TF_CLI_CONFIG_FILE"] == str(tools.cli_config)
    assert "AWS_PROFILE" not in env and "TF_VAR_role_name" not in env
    assert env["AWS_REGION"] == "eu-west-1"
    assert Path(env["TF_CLI_CONFIG_FILE"]).read_text().startswith("plugin_cache_dir")


def test_mirror_order_env_then_shared_then_registry(tmp_path, monkeypatch):
    checkout = tmp_path / "main"
    (checkout / "modules" / "lifecycle-config").mkdir(parents=True)
    (checkout / "main.tf").write_text("")
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("TF_PROVIDER_MIRROR", raising=False)
    monkeypatch.setenv("NBATTR_CACHE_DIR", str(tmp_path / "cache"))
    assert tc.provider_mirror() == tc.ProviderMirror(None, ())  # the public registry

    shared = _mirror(tmp_path / "shared" / "tf-mirror")
    assert tc.provider_mirror().path == shared.resolve()

    _mirror(tmp_path / "chosen")
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(tmp_path / "chosen"))
    assert tc.provider_mirror().path == (tmp_path / "chosen").resolve()
    monkeypatch.setenv("TF_PROVIDER_MIRROR", "registry")
    assert tc.provider_mirror().path is None


CACHE_OF = "from nbattr.harness.toolchain import cache_dir; print(cache_dir())"


def test_one_cache_folder_whether_run_from_make_or_by_hand(project, tmp_path):
    """`make demo` and `nbattr demo` typed in any folder share the checkout's .cache: one
    Terraform shim, plugin cache and set of kept init results, not two."""
    env = {key: value for key, value in os.environ.items() if key != "NBATTR_CACHE_DIR"}
    python = str(Path(sys.executable))
    by_hand = subprocess.run(
        [python, "-c", CACHE_OF], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    from_make = subprocess.run(
        ["make", "-s", "-C", str(project), "--eval", f"cache-of: ; @{python} -c '{CACHE_OF}'",
         "cache-of"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert by_hand == from_make == str(project / ".cache")


def test_an_installed_package_caches_in_the_users_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NBATTR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tc, "package_checkout", lambda: None)
    assert tc.cache_dir() == tmp_path / "nbattr"
    monkeypatch.setenv("NBATTR_CACHE_DIR", str(tmp_path / "mine"))
    assert tc.cache_dir() == tmp_path / "mine"


def test_cli_config_written_by_many_at_once_never_fails(tmp_path, monkeypatch):
    """Test workers write the same CLI config at once; a shared `.partial` name let one
    rename away another's (FileNotFoundError in a whole-suite run)."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("NBATTR_CACHE_DIR", str(tmp_path / "cache"))
    mirror = tc.ProviderMirror(tmp_path, ("5.45.0",))
    with ThreadPoolExecutor(8) as pool:
        written = list(pool.map(lambda _: tc.write_cli_config(mirror), range(400)))
    assert set(written) == {tmp_path / "cache" / "terraformrc"}
    assert not list((tmp_path / "cache").glob("*.partial"))
