"""Run inside a sandboxed notebook: ask a metadata service for an IMDSv2 token and print the
HTTP status (200, or the refusal's code)."""

FETCH_TOKEN = """
import sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1] + "latest/api/token", method="PUT",
                                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
try:
    print(urllib.request.urlopen(request, timeout=5).status)
except urllib.error.HTTPError as error:
    print(error.code)
"""

# The same, printing the token answer's lifetime header (EC2 sends it; the SDK for Go v2
# needs it).
TOKEN_TTL = """
import sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "latest/api/token", method="PUT",
                                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
print(urllib.request.urlopen(request, timeout=5).headers["X-aws-ec2-metadata-token-ttl-seconds"])
"""
