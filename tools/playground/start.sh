#!/bin/sh
# Start policybot (Teams local mode, a fresh SQLite database in a temporary directory) and one
# Agents Playground per person (tom 56150, jane 56151, omar 56152), for tour.js.
# Run from the repository root: tools/playground/start.sh ; stop with Ctrl-C.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'kill 0' INT TERM EXIT
(cd "$root" && TEAMS_LOCAL_MODE=true DATABASE_URL="sqlite:///$tmp/policybot.sqlite3" \
  TRUST_CONFIG="$root/config/trust.example.yaml" UNANSWERED_LOG="$tmp/unanswered.jsonl" \
  "${POLICYBOT:-policybot}" serve) &
sleep "${START_WAIT:-8}"
for who in tom:56150 jane:56151 omar:56152; do
  M365_AGENTS_PLAYGROUND_CONFIG_PATH="$here/users/${who%%:*}.yml" \
    M365_AGENTS_PLAYGROUND_LOGFILE="$tmp/playground-${who%%:*}.log" \
    "$here/node_modules/.bin/agentsplayground" -e http://127.0.0.1:3978/api/messages \
    -c msteams -p "${who##*:}" --disable-telemetry &
done
echo "policybot and three Playgrounds are starting (database in $tmp); Ctrl-C stops them"
wait
