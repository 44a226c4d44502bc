"""Where the project's Terraform configurations are: the root module, submodules, examples
(tests/test_layout.py checks that these are every folder holding a .tf file)."""

CONFIGS = (
    ".",
    "modules/athena-attribution",
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
