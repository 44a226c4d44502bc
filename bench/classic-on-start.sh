#!/bin/bash
# Baseline for bench/on_start_speed.py, written for this project: what the classic AWS
# Knowledge Center lifecycle script does to set a per-notebook session name. It asks
# SageMaker for the notebook's role and the CLI for the region at every start.
set -euo pipefail

NOTEBOOK_NAME=$(jq -r '.ResourceName' /opt/ml/metadata/resource-metadata.json)
ROLE_ARN=$(aws sagemaker describe-notebook-instance \
  --notebook-instance-name "$NOTEBOOK_NAME" --query RoleArn --output text)
REGION=$(aws configure get region || echo "$AWS_DEFAULT_REGION")

mkdir -p /home/ec2-user/.aws
cat >/home/ec2-user/.aws/config <<CONFIG
[default]
region = $REGION
role_arn = $ROLE_ARN
credential_source = Ec2InstanceMetadata
role_session_name = $NOTEBOOK_NAME
CONFIG
chown -R ec2-user:ec2-user /home/ec2-user/.aws
echo "configured $NOTEBOOK_NAME"
