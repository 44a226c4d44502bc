"""`nbattr audit`: find the notebook instances of a role that attribution does not cover."""
