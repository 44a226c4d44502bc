"""The test bench's tools: the Terraform toolchain, private working copies of the module's
configurations, the notebook sandbox and the demo. Not needed by `verify`."""
