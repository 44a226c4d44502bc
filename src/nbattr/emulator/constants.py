"""The emulator's fixed values, defined once for its layers, the harness and the tests."""

ACCOUNT_ID = "123456789012"  # moto's default account; any access key id is accepted
DEFAULT_REGION = "us-east-1"
# Marks the emulator's own calls (e.g. SageMaker vending a notebook's base credentials),
# which CloudTrail must not count as the account's API calls.
INTERNAL_AGENT = "nbattr-emulator-internal"
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
