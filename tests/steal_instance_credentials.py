"""Run as ec2-user in a sandbox: read the instance's base credentials from its metadata service
(IMDSv2) and print them as AWS_* environment variables, as a user bypassing attribution would."""

import json
import os
import urllib.request

base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
put = urllib.request.Request(
    base + "latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}
)
token = urllib.request.urlopen(put).read().decode()


def get(path: str) -> str:
    request = urllib.request.Request(base + path, headers={"X-aws-ec2-metadata-token": token})
    return urllib.request.urlopen(request).read().decode()


role = get("latest/meta-data/iam/security-credentials/")
credentials = json.loads(get("latest/meta-data/iam/security-credentials/" + role))
print(
    json.dumps(
        {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["Token"],
        }
    )
)
