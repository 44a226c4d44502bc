"""`nbattr verify`: prove through CloudTrail LookupEvents that each notebook has its own name."""
