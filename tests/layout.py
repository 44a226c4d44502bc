"""Where the project's Terraform configurations are: the root module, submodules, examples."""

CONFIGS = (
    ".",
    "modules/execution-role",
    "modules/lifecycle-config",
    "modules/notebook-instance",
    "modules/unattributed-alert",
    "examples/basic",
    "examples/detection",
    "examples/existing-role",
    "examples/forensics",
    "examples/vpc-kms",
)
