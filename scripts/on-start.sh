#!/bin/bash
# nbattr on-start: give this notebook's AWS calls its own name in CloudTrail.
#
# Why: every notebook shares one execution role, so CloudTrail shows all of them as
# assumed-role/<role>/SageMaker. This writes ec2-user's ~/.aws/config so that the SDKs and
# CLIs that read it re-assume the role with the notebook's name as the role session name, and
# (credentials_endpoint) serves those credentials on loopback to the clients that do not read
# it (README, "Which clients are attributed").
#
# Rendered by Terraform (modules/lifecycle-config, templatefile()). It makes no AWS API call:
# the role ARN was fixed at plan time; name, region and partition come from local metadata.
# Template note: Terraform interpolates dollar-brace; shell variables are written $VAR, and a
# literal dollar-brace is written with the dollar doubled.
set -euo pipefail
umask 022

readonly ROLE_ARN='${role_arn}'
readonly MODE='${mode}' # strict: fail the start; best-effort: warn and start unattributed
readonly METADATA=/opt/ml/metadata/resource-metadata.json
readonly USER_NAME=ec2-user
readonly HOME_DIR=/home/ec2-user
readonly AWS_DIR=/home/ec2-user/.aws
readonly CONFIG=/home/ec2-user/.aws/config
# Folders under ~/.aws that the AWS CLI (v1 and v2) and boto3 write to: cli/cache (assume-role
# credential cache; CLI v2's prompt history), cli/history (cli_history = enabled), sso/cache
# (SSO tokens), login/cache (`aws login`), models (`aws configure add-model`), boto/cache
# (botocore's JSONFileCache default). Sources: README, "What ec2-user can still write".
readonly USER_DIRS=(cli/cache cli/history sso/cache login/cache models boto/cache)
readonly USER_TOPS=(cli sso login models boto) # owned by ec2-user, everything beneath too
readonly SESSION_SECONDS=3600 # role chaining caps the self-assume's session at one hour

summary() { printf 'nbattr on-start: %s\n' "$*"; }

# Reads one string field of the metadata JSON: jq where present, grep and sed where not.
metadata_field() {
  if command -v jq >/dev/null 2>&1; then
    jq -er --arg field "$1" '.[$field] | strings' "$METADATA"
  else
    grep -o "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$METADATA" |
      head -n 1 | sed 's/^.*:[[:space:]]*"\([^"]*\)"$/\1/'
  fi
}

# Immutable files cannot be replaced, so earlier runs' locks are lifted first.
unlock() {
  if [ -e "$1" ]; then chattr -i "$1"; fi
}

relock() {
  command -v chattr >/dev/null 2>&1 || return 0
  if [ -e "$CONFIG" ]; then chattr +i "$CONFIG" || true; fi
  if [ -d "$AWS_DIR" ]; then chattr +i "$AWS_DIR" || true; fi
}

# strict: print the summary and stop the start. best-effort: remember the reason and go on.
fail() {
  relock # never leave a previous good config unlocked
  if [ "$MODE" = strict ]; then
    summary "FAILED mode=strict reason=$1 (the notebook will not start)"
    exit 1
  fi
  OUTCOME="WARNING mode=best-effort reason=$1 (notebook starts UNATTRIBUTED: calls show as session SageMaker)"
  printf 'nbattr on-start: WARNING: attribution not configured: %s\n' "$1" >&2
}

# The lock needs chattr and lsattr (e2fsprogs): checked before anything is written, so a
# missing tool never leaves an editable config behind.
require_lock_tools() {
  local tool
  for tool in chattr lsattr; do
    command -v "$tool" >/dev/null 2>&1 ||
      { fail "$tool not found on PATH ($PATH): cannot make $CONFIG immutable"; return 1; }
  done
}

# Sets NAME, REGION and CONTENT from local metadata only; returns 1 after fail().
read_notebook() {
  [ -r "$METADATA" ] || { fail "metadata file $METADATA is missing"; return 1; }
  local arn partition pattern
  NAME=$(metadata_field ResourceName 2>/dev/null) || { fail "no ResourceName in $METADATA"; return 1; }
  arn=$(metadata_field ResourceArn 2>/dev/null) || { fail "no ResourceArn in $METADATA"; return 1; }

  # STS role session names: 2-64 characters of letters, digits and +=,.@_-
  [[ $NAME =~ ^[A-Za-z0-9+=,.@_-]{2,64}$ ]] ||
    { fail "notebook name '$NAME' is not a valid STS role session name"; return 1; }
  [[ $arn =~ ^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):[0-9]{12}:notebook-instance/[A-Za-z0-9-]+$ ]] ||
    { fail "ResourceArn '$arn' is not a SageMaker notebook instance ARN"; return 1; }
  partition=$${BASH_REMATCH[1]}
  REGION=$${BASH_REMATCH[2]}
  # Region prefix per partition, from each regionRegex in botocore's data/partitions.json:
  # ^PREFIX-\w+-\d+$ (\w written [[:alnum:]_]).
  case $partition in
    aws) pattern='(us|eu|ap|sa|ca|me|af|il|mx)' ;;
    aws-cn) pattern=cn ;;
    aws-us-gov) pattern=us-gov ;;
    aws-iso) pattern=us-iso ;;
    aws-iso-b) pattern=us-isob ;;
    aws-iso-e) pattern=eu-isoe ;;
    aws-iso-f) pattern=us-isof ;;
    aws-eusc) pattern='eusc-(de)' ;;
    *) fail "ResourceArn '$arn' is in partition $partition, which this script does not know"; return 1 ;;
  esac
  [[ $REGION =~ ^$pattern-[[:alnum:]_]+-[0-9]+$ ]] ||
    { fail "ResourceArn '$arn': $REGION is not a region of partition $partition"; return 1; }
  [[ $ROLE_ARN == "arn:$partition:"* ]] ||
    { fail "notebook partition $partition differs from role $ROLE_ARN"; return 1; }
  [ -d "$HOME_DIR" ] || { fail "home directory $HOME_DIR is missing"; return 1; }

  CONTENT=$(printf '%s\n' \
    '[default]' \
    "region = $REGION" \
    "role_arn = $ROLE_ARN" \
    'credential_source = Ec2InstanceMetadata' \
    "role_session_name = $NAME" \
    "duration_seconds = $SESSION_SECONDS" \
    'sts_regional_endpoints = regional')
%{ if aws_config_settings != "" ~}
  # The platform team's own [default] settings (module input aws_config_settings).
  CONTENT+=$'\n'$(
    cat <<'NBATTR_SETTINGS_EOF'
${aws_config_settings}
NBATTR_SETTINGS_EOF
  )
%{ endif ~}
}

config_in_place() {
  local dir
  for dir in "$${USER_TOPS[@]}"; do [ -d "$AWS_DIR/$dir" ] || return 1; done
  [ -f "$CONFIG" ] && [ "$(cat "$CONFIG")" = "$CONTENT" ] &&
    lsattr -d "$CONFIG" "$AWS_DIR" 2>/dev/null | awk '$1 !~ /i/ { bad = 1 } END { exit bad }'
}

prepare_aws_dir() {
  local dir
  if [ -L "$AWS_DIR" ]; then rm -f "$AWS_DIR"; fi
  mkdir -p "$AWS_DIR" && chown root:root "$AWS_DIR" && chmod 0755 "$AWS_DIR" || return 1
  for dir in "$${USER_TOPS[@]}"; do
    if [ -L "$AWS_DIR/$dir" ]; then rm -f "$AWS_DIR/$dir"; fi
  done
  for dir in "$${USER_DIRS[@]}"; do mkdir -p "$AWS_DIR/$dir" || return 1; done
  for dir in "$${USER_TOPS[@]}"; do
    chown -R "$USER_NAME:" "$AWS_DIR/$dir" && chmod 0700 "$AWS_DIR/$dir" || return 1
  done
}

# Writes CONTENT to the config atomically, root-owned and immutable; returns 1 after fail().
write_config() {
  { unlock "$CONFIG" && unlock "$AWS_DIR"; } 2>/dev/null ||
    { fail "cannot clear the immutable bit on $AWS_DIR or $CONFIG"; return 1; }
  # Root owns ~/.aws so ec2-user can neither edit the config nor swap the directory; the
  # folders the AWS tools write to are ec2-user's. A symbolic link there is never followed.
  prepare_aws_dir 2>/dev/null || { fail "cannot prepare $AWS_DIR"; return 1; }

  # Written beside the target and renamed over it: readers see the old file or the new one.
  local tmp
  tmp=$(mktemp "$AWS_DIR/.config.XXXXXX" 2>/dev/null) || { fail "cannot write in $AWS_DIR"; return 1; }
  { printf '%s\n' "$CONTENT" >"$tmp" && chmod 0644 "$tmp" && chown root:root "$tmp" &&
    mv -f "$tmp" "$CONFIG"; } 2>/dev/null || { rm -f "$tmp"; fail "cannot write $CONFIG"; return 1; }
  { chattr +i "$CONFIG" && chattr +i "$AWS_DIR"; } 2>/dev/null ||
    { fail "cannot make $CONFIG immutable"; return 1; }
}

OUTCOME=""
CONTENT=""
if require_lock_tools && read_notebook; then
  if config_in_place; then # same bytes as last start: nothing to unlock or rewrite
    OUTCOME="ok notebook=$NAME session=$NAME region=$REGION mode=$MODE config=unchanged"
  elif write_config; then
    OUTCOME="ok notebook=$NAME session=$NAME region=$REGION mode=$MODE config=written"
  fi
fi
%{ if credentials_endpoint ~}

# The credentials endpoint (module input credentials_endpoint; README, "The credentials
# endpoint"). SDKs that do not understand credential_source (JavaScript v2, Java v1, Hadoop S3A)
# skip our profile and fall back to the bare SageMaker session. Every AWS SDK reads the
# container credentials provider's variables (SDKs and Tools Reference Guide, "Container
# credential provider") and tries the config profile first, so only those SDKs ever ask. A
# process of ec2-user's serves them our profile's AssumeRole, never the instance's credentials,
# on loopback behind a per-start token. Starting it makes no AWS call.
readonly RUN_DIR=/run/nbattr PROFILE_D=/etc/profile.d/nbattr-credentials.sh
SERVER_CODE=$(
  cat <<'NBATTR_ENDPOINT_EOF'
import hmac, json, sys, threading
from datetime import timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session

TOKEN = open(sys.argv[2]).read().strip().encode()
lock, cache = threading.Lock(), []


def attributed():
    # Only the profile's AssumeRole, loaded at the first request: never the default chain,
    # whose last resort is the instance's own credentials.
    with lock:
        if not cache:
            resolver = botocore.session.Session().get_component("credential_provider")
            cache.append(resolver.get_provider("assume-role").load())
    frozen = cache[0].get_frozen_credentials()  # botocore refreshes them before expiry
    expiry = cache[0]._expiry_time.astimezone(timezone.utc)  # it has no public accessor
    return {"AccessKeyId": frozen.access_key, "SecretAccessKey": frozen.secret_key,
            "Token": frozen.token, "Expiration": expiry.strftime("%Y-%m-%dT%H:%M:%SZ")}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = 401, {"message": "token required"}
        if hmac.compare_digest(self.headers.get("Authorization", "").encode(), TOKEN):
            try:
                status, body = 200, attributed()
            except Exception as error:  # the SDK reports it and asks again later
                status, body = 503, {"message": str(error)}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
NBATTR_ENDPOINT_EOF
)

# Our server answers a request without the token with 401. In a subshell: a refused connection
# or a broken pipe ends only that; the read waits 2 s at most.
endpoint_answers() {
  local line
  line=$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 &&
    read -r -t 2 line <&3 && printf '%s' "$line") && [[ $line == "HTTP/1.0 401"* ]]
}

endpoint_failed() {
  [ "$MODE" = strict ] && fail "credentials endpoint: $1"
  OUTCOME+=" endpoint=failed"
  rm -f $PROFILE_D # no variables that point at an endpoint that is not there
  printf 'nbattr on-start: WARNING: credentials endpoint: %s; SDKs that ignore credential_source are UNATTRIBUTED\n' "$1" >&2
  return 1
}

PORT="" # the endpoint's port, for export_endpoint

# Keeps a running endpoint of the same code (one server, same port and token), or replaces it.
endpoint() {
  local pid py candidate
  pid=$(cat $RUN_DIR/supervisor.pid 2>/dev/null) || pid=""
  # Only a pid whose command line is our server's is ours: a stale file's may be anyone's.
  if [ -n "$pid" ] && grep -qs $RUN_DIR/server.py "/proc/$pid/cmdline"; then
    PORT=$(cat $RUN_DIR/port 2>/dev/null) || PORT=""
    if [ "$(cat $RUN_DIR/server.py)" = "$SERVER_CODE" ] && endpoint_answers "$PORT"; then
      OUTCOME+=" endpoint=unchanged"
      return 0
    fi
    kill -- "-$pid" 2>/dev/null || true
  fi
  # A Python with botocore: SageMaker's Jupyter environment, the system's (as the auto-stop-idle
  # lifecycle sample looks for one), or the first on PATH. The same run picks a free port.
  py=""
  for candidate in /home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python /usr/bin/python3 python3; do
    PORT=$("$candidate" -c 'import botocore, socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null) && py=$(command -v "$candidate") && break
  done
  [ -n "$py" ] || { endpoint_failed "no Python with botocore"; return; }
  # The token: random per start, without a newline (botocore sends the file as is), created
  # unreadable by others (umask 077) and then given to ec2-user's group.
  if ! { rm -rf $RUN_DIR && mkdir -m 0755 $RUN_DIR && printf '%s\n' "$SERVER_CODE" >$RUN_DIR/server.py &&
    echo "$PORT" >$RUN_DIR/port &&
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >$RUN_DIR/token) &&
    chown "root:$USER_NAME" $RUN_DIR/token && chmod 0640 $RUN_DIR/token; }; then
    endpoint_failed "cannot write $RUN_DIR"
    return
  fi
  # A root supervisor, in a session of its own (so neither extra_on_start's timeout nor the
  # script's end stops it), runs the server as ec2-user and restarts it when it ends. The log
  # keeps the last run's output only: a crash loop cannot fill /run. No path here has spaces.
  setsid bash -c "while :; do runuser -u $USER_NAME -- env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE \
    HOME=$HOME_DIR AWS_CONFIG_FILE=$CONFIG $py $RUN_DIR/server.py $PORT $RUN_DIR/token \
    >$RUN_DIR/log 2>&1; sleep 1; done" </dev/null >/dev/null 2>&1 &
  echo $! >$RUN_DIR/supervisor.pid
  for _ in {1..50}; do # 5 s at most, from the script's own budget
    if endpoint_answers "$PORT"; then
      OUTCOME+=" endpoint=started"
      return 0
    fi
    sleep 0.1
  done
  endpoint_failed "no answer on 127.0.0.1:$PORT within 5 s (log: $RUN_DIR/log)"
}

# Terminals (login shells) read /etc/profile.d, and so does the Jupyter server, whose
# environment kernels inherit: SageMaker's set-env-variable lifecycle sample writes
# /etc/profile.d and restarts jupyter-server for a variable to reach notebooks. Nobody is
# connected yet at start. _TOKEN as well as _TOKEN_FILE: older SDKs know only the former.
export_endpoint() {
  local tmp text
  text="if [ -r $RUN_DIR/token ]; then # nbattr on-start: the credentials endpoint
  export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$PORT/credentials
  export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$RUN_DIR/token
  AWS_CONTAINER_AUTHORIZATION_TOKEN=\$(cat $RUN_DIR/token) && export AWS_CONTAINER_AUTHORIZATION_TOKEN
fi"
  [ "$(cat $PROFILE_D 2>/dev/null)" != "$text" ] || return 0
  if ! { tmp=$(mktemp $PROFILE_D.XXXXXX) && printf '%s\n' "$text" >"$tmp" && chmod 0644 "$tmp" &&
    mv -f "$tmp" $PROFILE_D; }; then
    rm -f "$tmp"
    endpoint_failed "cannot write $PROFILE_D"
    return
  fi
  # try-restart: only if it runs (systemctl(1)).
  if [ -d /run/systemd/system ]; then
    systemctl --no-block try-restart jupyter-server.service 2>/dev/null || true
  fi
}

if [[ $OUTCOME == ok* ]] && endpoint; then export_endpoint || true; fi
%{ endif ~}
%{ if attribution_probe ~}

# Attribution probe (module input attribution_probe): one harmless call through the new config
# as ec2-user, so every start leaves a CloudTrail event under this notebook's name for
# `nbattr verify` even before anyone works. Its failure is reported, never fatal.
if [[ $OUTCOME == ok* ]]; then
  if ! command -v aws >/dev/null 2>&1; then
    OUTCOME="$OUTCOME probe=skipped-no-aws-cli"
  elif runuser -u "$USER_NAME" -- env HOME="$HOME_DIR" timeout 30 \
    aws sts get-caller-identity --query Arn --output text >/dev/null 2>&1; then
    OUTCOME="$OUTCOME probe=ok"
  else
    OUTCOME="$OUTCOME probe=failed"
    printf 'nbattr on-start: WARNING: the attribution probe (sts get-caller-identity) failed\n' >&2
  fi
fi
%{ endif ~}
status=0
%{ if extra_on_start != "" ~}

# The caller's extra_on_start script, run after ours in its own bash process so that its
# shell options, exit or cd cannot skip our steps; its exit status is the start's.
# SageMaker fails a start whose lifecycle script runs over 5 minutes, so it has a budget
# (extra_on_start_timeout_seconds): TERM when spent, KILL 10 s later, and our result stands.
readonly EXTRA_TIMEOUT=${extra_on_start_timeout_seconds}
extra=$(mktemp)
trap 'rm -f "$extra"' EXIT
cat >"$extra" <<'NBATTR_EXTRA_ON_START_EOF'
${extra_on_start}
NBATTR_EXTRA_ON_START_EOF
started=$SECONDS
timeout --kill-after=10 "$EXTRA_TIMEOUT" bash "$extra" || status=$?
if [[ $status == 124 || $status == 137 ]] && ((SECONDS - started >= EXTRA_TIMEOUT)); then
  verdict='the notebook starts (best-effort)'
  if [ "$MODE" = strict ]; then verdict='the start fails (strict)'; else status=0; fi
  printf 'nbattr on-start: extra_on_start stopped after %s s (extra_on_start_timeout_seconds); %s\n' \
    "$EXTRA_TIMEOUT" "$verdict" >&2
  OUTCOME="$OUTCOME extra_on_start=stopped-after-$${EXTRA_TIMEOUT}s"
fi

# It runs as root and could have changed our config: put it back.
if [[ $OUTCOME == ok* ]] && ! config_in_place; then
  printf 'nbattr on-start: WARNING: extra_on_start changed %s; restoring it\n' "$CONFIG" >&2
  if write_config; then OUTCOME="$OUTCOME restored-after-extra_on_start"; fi
fi
%{ endif ~}
summary "$OUTCOME"
exit "$status"
