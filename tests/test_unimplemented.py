"""A call moto cannot answer fails at once, naming itself, instead of being retried as a 500."""

from __future__ import annotations

import pytest
import tftest

from nbattr.harness.workspace import copy_module_tree, prepare

# moto 5.2.5 has none of these: one call per protocol the SDKs speak (JSON and query).
MISSING = [
    ("sagemaker", "describe_code_repository", {"CodeRepositoryName": "repo"}),
    ("iam", "get_organizations_access_report", {"JobId": "0" * 36}),
]
# CreateCodeRepository is missing too: the AWS provider's call for this resource.
CODE_REPOSITORY = """
resource "aws_sagemaker_code_repository" "this" {
  code_repository_name = "unanswered"
  git_config {
    repository_url = "https://example.com/repository.git"
  }
}
"""


@pytest.mark.parametrize(("service", "operation", "params"), MISSING)
def test_a_call_moto_lacks_fails_at_once_with_a_501_naming_it(
    service, operation, params, clean_emulator
):
    client = clean_emulator.client(service)  # the SDK's default retries: a 500 is retried
    with pytest.raises(client.exceptions.ClientError) as failed:
        getattr(client, operation)(**params)
    response = failed.value.response
    assert response["Error"]["Code"] == "NotImplemented"
    assert operation in response["Error"]["Message"] and "moto" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_terraform_reports_a_call_moto_lacks_instead_of_retrying_it(
    tools, clean_emulator, project, tmp_path
):
    source = copy_module_tree(project, tmp_path / "source")
    (source / "examples" / "unanswered").mkdir()
    (source / "examples" / "unanswered" / "main.tf").write_text(CODE_REPOSITORY)
    ws = prepare(tools, clean_emulator, tmp_path / "work", "examples/unanswered", project=source)
    ws.init()
    with pytest.raises(tftest.TerraformTestError) as failed:
        ws.apply()
    assert "cannot answer this call" in str(failed.value), str(failed.value)[-2000:]
    assert "create_code_repository" in str(failed.value)
