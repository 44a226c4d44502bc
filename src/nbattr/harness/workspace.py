"""Private working copies of the module tree, driven with tftest against the emulator.

Each copy has its own `.terraform` and state, so runs never share anything but the plugin
cache; the emulator's provider override is written into the copy, never into the repo.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import tftest

from ..emulator import DEFAULT_REGION, Emulator
from . import init_cache, provider_servers
from .provider_block import write_provider_block
from .schema_narrowing import configured_types
from .toolchain import TERRAFORM_REGISTRY, Toolchain, ToolchainError, cache_dir, find_project_root

# What a consumer of the module gets: the root module, its submodules, script and examples.
MODULE_TREE = (
    "main.tf",
    "variables.tf",
    "outputs.tf",
    "versions.tf",
    "modules",
    "scripts",
    "examples",
)
T = TypeVar("T")
_SKIP = shutil.ignore_patterns(
    ".terraform", "terraform.tfstate*", ".terraform.lock.hcl", "_nbattr_*.tf", "*.md"
)


def copy_module_tree(project: Path, destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in MODULE_TREE:
        source = project / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=_SKIP, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, destination / name)
    return destination


@dataclass
class Workspace:
    """One Terraform root configuration (an example or the root module) in a private copy."""

    tf: tftest.TerraformTest
    path: Path
    # Where a kept `terraform init` result for this configuration lives (see init_cache).
    init_store: Path | None = None
    # The registry host its `hashicorp/aws` resolves to (OpenTofu has its own).
    registry: str = TERRAFORM_REGISTRY

    def init(self) -> str:
        """`terraform init`, or a copy of its kept result for the same configuration."""
        if self.init_store is not None and init_cache.restore(self.init_store, self.path):
            return f"init result restored from {self.init_store}"
        # Terraform's plugin cache is not safe for concurrent inits (test workers, a demo
        # beside the suite): one init at a time, and the second finds the first's result.
        with _one_init_at_a_time():
            if self.init_store is not None and init_cache.restore(self.init_store, self.path):
                return f"init result restored from {self.init_store}"
            output = str(self.tf.setup(cleanup_on_exit=False, upgrade=False))
            if self.init_store is not None:
                init_cache.keep(self.path, self.init_store)
        return output

    def plan(self, tf_vars: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self._command("plan", lambda: self.tf.plan(output=True, tf_vars=tf_vars, **kw))

    def apply(self, tf_vars: dict[str, Any] | None = None) -> str:
        return str(self._command("apply", lambda: self.tf.apply(tf_vars=tf_vars)))

    def destroy(self, tf_vars: dict[str, Any] | None = None) -> str:
        return str(self._command("destroy", lambda: self.tf.destroy(tf_vars=tf_vars)))

    def outputs(self) -> dict[str, Any]:
        return {key: value for key, value in self.tf.output().items()}

    def run(self, *args: str) -> tftest.TerraformCommandOutput:
        """Any terraform command; raises tftest.TerraformTestError on failure."""
        return self._command(args[0] if args else "", lambda: self.tf.execute_command(*args))

    def _command(self, name: str, command: Callable[[], T]) -> T:
        def attached() -> T:
            with self._provider_attached(name):
                return command()

        return _once_more_on_a_dropped_read(attached)

    @contextmanager
    def _provider_attached(self, command: str) -> Iterator[None]:
        """Lend the command a running provider (see provider_servers) where it loads one."""
        binary = (
            provider_servers.installed_provider(self.path, self.registry)
            if provider_servers.enabled() and command in provider_servers.PROVIDER_COMMANDS
            else None
        )
        if binary is None:
            yield
            return
        address = f"{self.registry}/hashicorp/aws"
        types = configured_types(self.path)  # used in the `narrow` way only (lend decides)
        with provider_servers.SERVERS.lend(binary, address, self.tf.env, types) as value:
            self.tf.env[provider_servers.REATTACH] = value
            try:
                yield
            finally:
                self.tf.env.pop(provider_servers.REATTACH, None)


# On a loaded machine the provider's HTTP client now and then closes its own connection to
# the emulator and then fails to read the response ("use of closed network connection":
# about once per few hundred Terraform runs). It is a race in the provider's SDK, not
# anything the module does; the emulator now sends each answer whole, which closes most of
# the window (nbattr.emulator.transport), and the command runs once more for the rest; any
# other failure is raised as it is.
DROPPED_READ = "use of closed network connection"


def _once_more_on_a_dropped_read(command: Callable[[], T]) -> T:
    try:
        return command()
    except tftest.TerraformTestError as error:
        # Terraform wraps its diagnostics to the terminal's width, so the words may be split
        # across lines ("use of closed network\nconnection").
        said = " ".join(" ".join(str(arg) for arg in error.args).split())
        if DROPPED_READ not in said:
            raise
    return command()


@contextmanager
def _one_init_at_a_time() -> Iterator[None]:
    lock = cache_dir() / "init.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare(
    toolchain: Toolchain,
    emulator: Emulator | None,
    destination: Path,
    config: str = "examples/basic",
    project: Path | None = None,
) -> Workspace:
    """Copy the module tree to `destination` and point its `config` folder at the emulator."""
    root = copy_module_tree(project or find_project_root(), destination)
    tfdir = (root / config).resolve()
    if not tfdir.is_dir():
        raise ToolchainError(f"no Terraform configuration at {config}")
    extra_env: dict[str, str] = {}
    if emulator is not None:
        # An override of the configuration's provider block; a whole block where it has
        # none, e.g. the root module itself.
        write_provider_block(tfdir, emulator.endpoint, DEFAULT_REGION)
        extra_env = emulator.aws_environ()
    tf = tftest.TerraformTest(str(tfdir), binary=toolchain.terraform.binary)
    tf.env = toolchain.env(extra_env)  # replace, not merge: nothing from the caller's shell
    key = init_cache.fingerprint(
        root,
        tfdir,
        toolchain.terraform.binary,
        toolchain.terraform.version_text,
        toolchain.cli_config.read_text(),
    )
    return Workspace(tf, tfdir, cache_dir() / "init" / key, toolchain.terraform.registry)
