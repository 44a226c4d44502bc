"""Every resource type, argument and block the module and its examples use exists in the newest
hashicorp/aws provider's schema reachable here, and none is marked deprecated there.

The schema is read from bindings generated from the provider (tests/provider_schema.py,
tools/aws-provider-schema); no provider binary is needed. The check's failure path is shown
on a temporary copy of a module given a made-up argument, a made-up block and a deprecated
argument.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest

from provider_schema import ProviderSchema, load, problems, terraform_files, uses, wheel

WHEEL = wheel()


@pytest.fixture(scope="module")
def aws_schema(project) -> ProviderSchema:
    if WHEEL is None:
        pytest.skip("the provider schema wheel is missing: run `make tools` (needs PyPI)")
    cache = Path(os.environ.get("NBATTR_CACHE_DIR", project / ".cache"))
    return load(WHEEL, cache)


def test_the_schema_is_the_newest_provider_and_looks_whole(aws_schema):
    # tools/aws-provider-schema/requirements.txt pins the bindings of this release.
    assert aws_schema.provider_version == "6.69.1", aws_schema.provider_version
    assert aws_schema.source == "cdktn-provider-aws 25.8.1 (PyPI)"
    assert len(aws_schema.resources) > 1400 and len(aws_schema.data_sources) > 500
    notebook = aws_schema.resources["aws_sagemaker_notebook_instance"]
    assert {"name", "role_arn", "platform_identifier", "root_access"} <= set(notebook.arguments)
    imds = notebook.blocks["instance_metadata_service_configuration"]
    assert "minimum_instance_metadata_service_version" in imds.arguments
    assert "statement" in aws_schema.data_sources["aws_iam_policy_document"].blocks


def test_everything_the_module_and_examples_use_exists_and_is_not_deprecated(aws_schema, project):
    used = uses(project, terraform_files(project), aws_schema)
    # Not vacuous: the check saw the module's types, arguments and nested blocks.
    types = {use.type for use in used}
    assert {"aws_sagemaker_notebook_instance", "aws_iam_role", "aws_cloudwatch_event_rule",
            "aws_sagemaker_notebook_instance_lifecycle_configuration"} <= types  # fmt: skip
    assert any(u.name == "instance_metadata_service_configuration" and u.is_block for u in used)
    assert any(u.path == ("instance_metadata_service_configuration",) for u in used)
    assert any(u.kind == "data" for u in used)
    found = problems(aws_schema, used)
    assert not found, f"against hashicorp/aws {aws_schema.provider_version}:\n" + "\n".join(found)


def test_a_made_up_or_deprecated_argument_is_named(aws_schema, project, tmp_path):
    module = tmp_path / "modules" / "notebook-instance"
    shutil.copytree(project / "modules" / "notebook-instance", module)
    main = module / "main.tf"
    text = main.read_text()
    anchor = "  instance_metadata_service_configuration {\n"
    assert anchor in text
    main.write_text(
        text.replace(
            anchor,
            '  made_up_argument = "x"\n  made_up_block {\n    y = 1\n  }\n' + anchor
            + "    made_up_nested = 2\n",
        )
    )  # fmt: skip
    # The bindings mark no argument deprecated (see provider_schema.py), so one is marked
    # here, in a copy of the real schema: what a provider release deprecating it would give.
    marked = copy.deepcopy(aws_schema)
    marked.resources["aws_sagemaker_notebook_instance"].arguments["volume_size"] = (
        "volume_size is deprecated. Use storage instead."
    )
    used = uses(tmp_path, [main], marked)
    where = "modules/notebook-instance/main.tf: aws_sagemaker_notebook_instance.this"
    version = "hashicorp/aws 6.69.1"
    assert problems(marked, used) == sorted(
        [
            f"{where}: argument instance_metadata_service_configuration.made_up_nested "
            f"does not exist in {version}",
            f"{where}: argument made_up_argument does not exist in {version}",
            f"{where}: argument volume_size is deprecated in {version}: "
            "volume_size is deprecated. Use storage instead.",
            f"{where}: block made_up_block does not exist in {version}",
        ]
    )
    # And an unknown resource type is named as such.
    main.write_text(text.replace("aws_sagemaker_notebook_instance", "aws_sagemaker_notebook"))
    assert problems(aws_schema, uses(tmp_path, [main], aws_schema)) == [
        f"modules/notebook-instance/main.tf: aws_sagemaker_notebook.this: resource type "
        f"aws_sagemaker_notebook does not exist in {version}"
    ]
