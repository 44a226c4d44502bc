"""Trail log file keys and bodies follow CloudTrail's documented format (nbattr.trail_files)."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest

from nbattr.trail_files import decode_log_file, encode_log_file, log_file_key, unique_string


def test_key_of_the_documented_example():
    # CloudTrail User Guide, "CloudTrail log file examples": the example file name.
    delivered = datetime(2015, 8, 1, 2, 10, 59, tzinfo=timezone.utc)
    key = log_file_key("111122223333", "us-east-2", delivered, unique="Mu0KsOhtH1ar15ZZ")
    assert key == (
        "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
        "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
    )


def test_key_with_prefix_organisation_and_a_non_utc_time():
    delivered = datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))  # 22:30 UTC
    key = log_file_key("123456789012", "eu-west-1", delivered, prefix="/trails/prod/",
                       organization_id="o-exampleorgid", unique="A" * 16)  # fmt: skip
    folder = "trails/prod/AWSLogs/o-exampleorgid/123456789012/CloudTrail/eu-west-1/2026/02/28/"
    assert key.startswith(folder + "123456789012_CloudTrail_eu-west-1_20260228T2230Z_")


def test_unique_strings_are_16_alphanumerics_and_differ():
    strings = {unique_string() for _ in range(50)}
    assert len(strings) == 50
    assert all(len(s) == 16 and s.isalnum() for s in strings)


def test_body_is_gzip_json_records_and_reads_back_plain_or_gzip():
    records = [{"eventID": "1", "eventName": "GetObject"}]
    body = encode_log_file(records)
    assert json.loads(gzip.decompress(body)) == {"Records": records}
    assert decode_log_file(body) == records
    assert decode_log_file(json.dumps({"Records": records}).encode()) == records
    with pytest.raises(ValueError, match="no Records list"):
        decode_log_file(b'{"records": []}')
