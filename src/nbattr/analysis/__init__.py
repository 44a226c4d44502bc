"""The one analysis of CloudTrail records that `verify` (LookupEvents) and `attribute` (trail
log files, Athena) share: which calls carry a notebook's name, which do not, which are spoofed."""
