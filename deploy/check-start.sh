#!/usr/bin/env bash
# Runs the container image's start command the way the image runs it, without a container engine:
# the compiled bot with only its production dependencies (npm ci --omit=dev), as an unprivileged user
# (nobody) in a directory it cannot write to (as on a read-only root filesystem), its state in a
# data directory of its own, and its secrets from files (NAME_FILE). Passes when /healthz and /readyz
# answer 200, and the bot stops cleanly on SIGTERM. Needs root (to switch to nobody) and dist/ built
# (npm ci builds it). .ci/run calls it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/index.js ] || { echo "dist/ is not built: run npm ci (or npm run build) first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root, to run the bot as nobody" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The image's runtime stage: package files, dist/ and the production dependencies only, owned by root.
app="$work/app"
mkdir -p "$app"
cp package.json package-lock.json "$app/"
cp -r dist "$app/dist"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
[ ! -e "$app/node_modules/typescript" ] || { echo "a dev dependency was installed" >&2; exit 1; }
chmod -R a+rX,go-w "$work"

# Secrets as a Docker or Kubernetes secret mount gives them: files readable by the bot's user only.
secrets="$work/secrets"
mkdir -p "$secrets" "$work/data"
printf 'xoxb-check-start-token\n' > "$secrets/slack-bot-token"
printf 'check-start-signing-secret\n' > "$secrets/slack-signing-secret"
chown -R nobody:nogroup "$secrets" "$work/data"
chmod 500 "$secrets"
chmod 400 "$secrets"/*

# A loopback stand-in for Slack's Web API: auth.test accepts the token, every other method answers ok.
slack_port_file="$work/slack-port"
node -e '
  const server = require("node:http").createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(req.url.endsWith("/auth.test") ? { ok: true, team: "Check", team_id: "T0CHECK", user_id: "U0BOT", bot_id: "B0BOT" } : { ok: true }));
  });
  server.listen(0, "127.0.0.1", () => require("node:fs").writeFileSync(process.argv[1], String(server.address().port)));
' "$slack_port_file" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$slack_port_file" ] && break; sleep 0.1; done
port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')

# The Dockerfile's CMD, word for word.
mapfile -t cmd < <(node -e '
  const line = require("node:fs").readFileSync("deploy/Dockerfile", "utf8").split("\n").find((l) => l.startsWith("CMD "));
  for (const word of JSON.parse(line.slice(4))) console.log(word);
')
# Replaces the shell it runs in (call it in a subshell): the bot's pid is that subshell's.
run_bot() {
  cd "$app" && exec env -i PATH="$PATH" HOME=/nonexistent NODE_ENV=production \
    PORT="$port" DATA_DIR="$work/data" LOG_FORMAT=json \
    SAIL_BASE_URL=sandbox \
    SLACK_API_URL="http://127.0.0.1:$(cat "$slack_port_file")/api/" \
    SLACK_BOT_TOKEN_FILE="$secrets/slack-bot-token" \
    SLACK_SIGNING_SECRET_FILE="$secrets/slack-signing-secret" \
    "$@" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$(command -v node)" "${cmd[@]:1}"
}

# A misspelled setting stops the start with one JSON line (LOG_FORMAT=json) that names the fix.
if (run_bot REDIS_ULR=redis://127.0.0.1:6379) > "$work/typo.log" 2>&1; then echo "check-start: started with REDIS_ULR set" >&2; exit 1; fi
node -e '
  const lines = require("node:fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  const entry = JSON.parse(lines[0]);
  if (lines.length !== 1 || entry.level !== "error" || !entry.fields.problems.includes("REDIS_ULR is not a setting of the bot: did you mean REDIS_URL?")) {
    console.error("check-start: unexpected start-up error:\n" + lines.join("\n"));
    process.exit(1);
  }
' "$work/typo.log"
echo "check-start: a misspelled setting stops the start: $(cat "$work/typo.log")"

echo "check-start: ${cmd[*]} as nobody, production dependencies only, secrets from files"
log="$work/bot.log"
run_bot > "$log" 2>&1 &
bot=$!
pids+=("$bot")

started=$(date +%s%N)
status() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/$1" || true; }
until [ "$(status healthz)" = 200 ]; do
  if ! kill -0 "$bot" 2>/dev/null || [ $(( ($(date +%s%N) - started) / 1000000 )) -gt 30000 ]; then
    echo "check-start: the bot did not answer /healthz:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "check-start: /healthz 200 after $(( ($(date +%s%N) - started) / 1000000 )) ms"
for _ in $(seq 1 50); do [ "$(status readyz)" = 200 ] && break; sleep 0.1; done
[ "$(status readyz)" = 200 ] || { echo "check-start: /readyz: $(curl -s "http://127.0.0.1:$port/readyz")" >&2; cat "$log" >&2; exit 1; }
echo "check-start: /readyz 200"
# The image's HEALTHCHECK command, word for word, as the container engine would run it inside.
mapfile -t healthcheck < <(node -e '
  const line = require("node:fs").readFileSync("deploy/Dockerfile", "utf8").split("\n").find((l) => /^\s+CMD \[/.test(l));
  for (const word of JSON.parse(line.trim().slice(4))) console.log(word);
')
(cd "$app" && env -i PATH="$PATH" PORT="$port" setpriv --reuid=nobody --regid=nogroup --clear-groups "$(command -v node)" "${healthcheck[@]:1}") \
  || { echo "check-start: the HEALTHCHECK command failed" >&2; exit 1; }
echo "check-start: the image's HEALTHCHECK passes"
[ "$(stat -c %U "/proc/$bot")" = nobody ] || { echo "check-start: the bot runs as $(stat -c %U "/proc/$bot"), not nobody" >&2; exit 1; }
[ -z "$(find "$app" -newer "$log" -print -quit)" ] || { echo "check-start: the bot wrote into its app directory" >&2; exit 1; }
ls "$work/data" | grep -q . || { echo "check-start: nothing in DATA_DIR" >&2; exit 1; }
grep -q 'xoxb-check-start-token\|check-start-signing-secret' "$log" && { echo "check-start: a secret reached the log" >&2; exit 1; }

kill -TERM "$bot"
code=0
wait "$bot" || code=$?
[ "$code" = 0 ] || { echo "check-start: the bot exited $code on SIGTERM" >&2; cat "$log" >&2; exit 1; }
echo "check-start: stopped cleanly on SIGTERM"
