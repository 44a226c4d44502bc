"""modules/athena-attribution on the emulator: the Glue table with partition projection, the
workgroup with encrypted, enforced results, the named queries; and its bad inputs at plan.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from batched_cases import CaseRuns, apply_cases
from nbattr.harness.workspace import prepare

MODULE = "modules/athena-attribution"
TRAIL_BUCKET = "org-trail-logs"
ORG = "o-a1b2c3d4e5"
GOOD: dict[str, Any] = {
    "name": "attribution",
    "trail_bucket_name": TRAIL_BUCKET,
    "trail_prefix": "audit",
    "organization_id": ORG,
    "account_ids": ["123456789012", "210987654321"],
    "regions": ["us-east-1", "eu-west-1"],
    "start_date": "2026/01/01",
    "force_destroy": True,
}


def _athena_leftovers(emulator) -> str:
    groups = [g["Name"] for g in emulator.client("athena").list_work_groups()["WorkGroups"]]
    databases = emulator.client("glue").get_databases()["DatabaseList"]
    left = [g for g in groups if g != "primary"] + [d["Name"] for d in databases]
    return " ".join(left)


def test_module_applies_replans_clean_and_destroys(workspace, clean_emulator):
    ws = workspace(MODULE, clean_emulator)
    (ws.path / "case.auto.tfvars.json").write_text(json.dumps(GOOD))
    try:
        ws.apply()
        outputs = ws.outputs()
        glue = clean_emulator.client("glue")
        table = glue.get_table(DatabaseName=outputs["database_name"], Name="cloudtrail_logs")
        table = table["Table"]
        template = f"s3://{TRAIL_BUCKET}/audit/AWSLogs/{ORG}/${{account}}/CloudTrail/${{region}}/${{timestamp}}"
        assert table["Parameters"]["storage.location.template"] == template
        assert table["Parameters"]["projection.account.values"] == "123456789012,210987654321"
        assert table["Parameters"]["projection.timestamp.range"] == "2026/01/01,NOW"
        assert [k["Name"] for k in table["PartitionKeys"]] == ["account", "region", "timestamp"]
        descriptor = table["StorageDescriptor"]
        assert descriptor["Location"] == f"s3://{TRAIL_BUCKET}/audit/AWSLogs/{ORG}/"
        assert descriptor["InputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
        group = clean_emulator.client("athena").get_work_group(WorkGroup="attribution")
        configuration = group["WorkGroup"]["Configuration"]
        assert configuration["EnforceWorkGroupConfiguration"] is True
        results = configuration["ResultConfiguration"]
        assert results["EncryptionConfiguration"] == {
            "EncryptionOption": "SSE_KMS",
            "KmsKey": outputs["results_kms_key_arn"],
        }
        assert results["OutputLocation"] == f"s3://{outputs['results_bucket_name']}/attribution/"
        s3 = clean_emulator.client("s3")
        bucket = outputs["results_bucket_name"]
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        assert set(outputs["named_query_ids"]) == {
            "calls-per-notebook", "unattributed-calls", "who-touched-resource"
        }  # fmt: skip
        athena = clean_emulator.client("athena")
        for query_id in outputs["named_query_ids"].values():
            saved = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
            assert saved["WorkGroup"] == "attribution" and "FROM cloudtrail_logs" in saved["QueryString"]
        replan = ws.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
        assert replan.retcode == 0, f"second plan is not empty:\n{replan.out}"
    finally:
        ws.destroy()
    assert _athena_leftovers(clean_emulator) == ""
