#!/usr/bin/env bash
# Smoke test of a packaged app-image: its own launcher, at its install path, runs the local sandbox (with a real
# Keycloak) and then applies and verifies every stage against it from a second launcher process, as a user would
# with the CLI. This exercises what a packaged build can break and the unit tests cannot see: the app-image's class
# path (one merged jar: services files, multi-release classes), its jlink runtime's modules and its AppCDS archive,
# across the Kubernetes client, the Keycloak admin client, the 3scale client, Jackson and the sandbox's servers.
#
#   jpackage/linux/smoke-test.sh [APP_IMAGE]      (default target/jpackage/maas-installer; run from the checkout,
#                                                 after ./mvnw package, which unpacks Keycloak into target/keycloak)
{
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMAGE="$(cd "${1:-$ROOT/target/jpackage/maas-installer}" && pwd)"
INSTALL_DIR=/opt/maas-installer
LAUNCHER="$INSTALL_DIR/bin/maas-installer"

if [[ -z "${SMOKE_INSIDE:-}" ]]; then
  [[ -x "$IMAGE/bin/maas-installer" ]] || { echo "error: no app-image at $IMAGE (jpackage/build-linux.sh --app-image-only)" >&2; exit 2; }
  if [[ "$(id -u)" == 0 ]]; then UNSHARE=(unshare --mount --propagation private); else UNSHARE=(unshare --map-root-user --mount --propagation private); fi
  SMOKE_INSIDE=1 exec "${UNSHARE[@]}" bash "${BASH_SOURCE[0]}" "$IMAGE"
fi

# inside a private mount namespace: the app-image at the path its AppCDS archive was trained for
mount -t tmpfs -o mode=755 smoke /opt
mkdir -p "$INSTALL_DIR"
mount --bind "$IMAGE" "$INSTALL_DIR"
WORK="$(mktemp -d)"
SANDBOX_PID=""
cleanup() {
  if [[ -n "$SANDBOX_PID" ]]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME="$WORK/home" XDG_STATE_HOME="$WORK/state"
mkdir -p "$HOME"
cd "$ROOT"   # the sandbox finds Keycloak in ./target/keycloak
# Keycloak needs a full JDK (the app-image's runtime holds the installer's modules only): JAVA_HOME, else this one
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
KEYCLOAK_DIST="$(ls -d "$ROOT"/target/keycloak/keycloak-* 2>/dev/null | head -1 || true)"
[[ -n "$KEYCLOAK_DIST" ]] || { echo "error: no Keycloak in target/keycloak (./mvnw package unpacks it)" >&2; exit 2; }

step() { printf '\033[1m==> [%3ss] %s\033[0m\n' "$SECONDS" "$*"; }
step "Starting the sandbox with the packaged launcher ($LAUNCHER sandbox)"
"$LAUNCHER" sandbox --dir "$WORK/sandbox" >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 1 360); do
  grep -q '^SANDBOX READY' "$WORK/sandbox.out" 2>/dev/null && break
  kill -0 "$SANDBOX_PID" 2>/dev/null || { echo "error: the sandbox exited:" >&2; tail -20 "$WORK/sandbox.err" >&2; exit 1; }
  sleep 0.5
done
grep -q '^SANDBOX READY' "$WORK/sandbox.out" || { echo "error: the sandbox was not ready within 180 s" >&2; tail -20 "$WORK/sandbox.err" >&2; exit 1; }
if grep -q 'runs without Keycloak' "$WORK/sandbox.err"; then
  echo "error: the sandbox could not start its Keycloak:" >&2; grep 'without Keycloak' "$WORK/sandbox.err" >&2; exit 1
fi
CONFIG="$WORK/sandbox/maas-installer.yaml"

run() {
  local name="$1"; shift
  if ! "$LAUNCHER" "$@" --config "$CONFIG" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    echo "error: maas-installer $* failed; its output:" >&2
    tail -30 "$WORK/$name.out" "$WORK/$name.err" >&2
    exit 1
  fi
  tail -1 "$WORK/$name.out" | sed 's/^/    /'
}
step "apply (every stage)"
run apply apply --yes
step "apply again (must change nothing)"
run apply2 apply --yes
if grep -qiE '[1-9][0-9]* (created|updated|deleted)' "$WORK/apply2.out"; then
  echo "error: the second apply changed something:" >&2; cat "$WORK/apply2.out" >&2; exit 1
fi
step "verify"
run verify verify
step "The packaged app ran the sandbox, applied every stage twice (the second time changing nothing) and verified them"
exit 0
}
