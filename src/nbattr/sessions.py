"""Names shared by the product and its emulator, defined once."""

# The role session SageMaker gives a notebook's base credentials (AWS Knowledge Center,
# "How can I determine which SageMaker notebook instance made a particular API call if all
# the instances use the same IAM role?": `assumed-role/<role>/SageMaker`).
BASE_SESSION_NAME = "SageMaker"
