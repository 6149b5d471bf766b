#!/usr/bin/env bash
# Smoke test of the package as a new user meets it: the .deb unpacked root-less (dpkg-deb -x) and its own launcher,
# at its install path, run with an empty home, no JAVA_HOME, an empty Maven repository and no Keycloak anywhere:
#   1. the sandbox with Keycloak fetched on demand (`sandbox --download-keycloak`: from the local Maven repository
#      served over HTTP when it holds the Keycloak zip, else from Maven Central; MAAS_KEYCLOAK_REPOSITORY), run by the
#      package's own runtime; apply of every stage, a second apply that changes nothing, verify;
#   2. offline (MAAS_KEYCLOAK_REPOSITORY unreachable, an empty download cache): the sandbox says SSO is not available
#      and why, apply applies every other stage and leaves sso and portal out (verify passes without them), without a
#      long wait.
# This exercises what a packaged build can break and the unit tests cannot see: the class path (one merged jar:
# services files, multi-release classes), the jlink runtime's modules (also Keycloak's), the AppCDS archive, the
# download, across the Kubernetes client, the Keycloak admin client, the 3scale client and the sandbox's servers.
#
#   jpackage/linux/smoke-test.sh [DEB | APP_IMAGE]   (default: the one .deb in target/jpackage)
# Runs in a private mount namespace (unshare, root-less) so that the package sits at /opt/maas-installer, the path
# its AppCDS archive was trained for.
{
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INSTALL_DIR=/opt/maas-installer
LAUNCHER="$INSTALL_DIR/bin/maas-installer"
OFFLINE_LIMIT_S="${SMOKE_OFFLINE_LIMIT_S:-90}"

if [[ -z "${SMOKE_INSIDE:-}" ]]; then
  WHAT="${1:-}"
  if [[ -z "$WHAT" ]]; then
    shopt -s nullglob; debs=("$ROOT"/target/jpackage/*.deb); shopt -u nullglob
    [[ ${#debs[@]} -eq 1 ]] || { echo "error: give the .deb (or an app-image); target/jpackage holds ${#debs[@]} .deb files" >&2; exit 2; }
    WHAT="${debs[0]}"
  fi
  WHAT="$(cd "$(dirname "$WHAT")" && pwd)/$(basename "$WHAT")"
  if [[ "$(id -u)" == 0 ]]; then UNSHARE=(unshare --mount --propagation private); else UNSHARE=(unshare --map-root-user --mount --propagation private); fi
  SMOKE_INSIDE=1 exec "${UNSHARE[@]}" bash "${BASH_SOURCE[0]}" "$WHAT"
fi

WORK="$(mktemp -d)"
SANDBOX_PID=""
SERVER_PID=""
stop_sandbox() {
  if [[ -n "$SANDBOX_PID" ]]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  SANDBOX_PID=""
}
cleanup() {
  stop_sandbox
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\033[1m==> [%3ss] %s\033[0m\n' "$SECONDS" "$*"; }

# --- the package, unpacked and at its install path ----------------------------------------------------------------
if [[ -f "$1" ]]; then
  step "Unpacking $(basename "$1") (dpkg-deb -x, no root)"
  dpkg-deb -x "$1" "$WORK/root"
  IMAGE="$WORK/root$INSTALL_DIR"
else
  IMAGE="$(cd "$1" && pwd)"
fi
[[ -x "$IMAGE/bin/maas-installer" ]] || { echo "error: no launcher in $IMAGE/bin" >&2; exit 2; }
mount -t tmpfs -o mode=755 smoke /opt
mkdir -p "$INSTALL_DIR"
mount --bind "$IMAGE" "$INSTALL_DIR"

# --- a machine with nothing else: no JAVA_HOME, an empty home and Maven repository, started away from any checkout --
unset JAVA_HOME JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS KUBECONFIG MAAS_KEYCLOAK_REPOSITORY
export PATH=/usr/bin:/bin
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"
# the Maven repository the sandbox would look in for a Keycloak zip (KeycloakProcess) is the one of $HOME (an empty
# home below), not the one of the user's home in the password database

# where Keycloak comes from: the local Maven repository over HTTP when it has the zip (no download from the internet
# on every run), else Maven Central
VERSION="$(unzip -p "$IMAGE/lib/app/maas-installer.jar" dev/maas/installer/sandbox/keycloak-dist.properties 2>/dev/null | sed -n 's/^version=//p' || true)"
M2="${SMOKE_MAVEN_REPOSITORY:-$HOME/.m2/repository}"
REPO=""
if [[ -n "$VERSION" && -f "$M2/org/keycloak/keycloak-quarkus-dist/$VERSION/keycloak-quarkus-dist-$VERSION.zip.sha1" ]]; then
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  python3 -m http.server --bind 127.0.0.1 --directory "$M2" "$PORT" >"$WORK/http.log" 2>&1 &
  SERVER_PID=$!
  REPO="http://127.0.0.1:$PORT"
  for _ in $(seq 1 50); do curl -fsI "$REPO/" >/dev/null 2>&1 && break; sleep 0.2; done
fi

fresh_home() {
  export HOME="$WORK/$1/home" XDG_STATE_HOME="$WORK/$1/state" XDG_DATA_HOME="$WORK/$1/data" XDG_CONFIG_HOME="$WORK/$1/config"
  mkdir -p "$HOME"
}

start_sandbox() {
  local name="$1" limit="$2"
  "$LAUNCHER" sandbox --download-keycloak --dir "$WORK/$name/sandbox" >"$WORK/$name/sandbox.out" 2>"$WORK/$name/sandbox.err" &
  SANDBOX_PID=$!
  for _ in $(seq 1 $((limit * 2))); do
    grep -q '^SANDBOX READY' "$WORK/$name/sandbox.out" 2>/dev/null && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { echo "error: the sandbox exited:" >&2; tail -20 "$WORK/$name/sandbox.err" >&2; exit 1; }
    sleep 0.5
  done
  grep -q '^SANDBOX READY' "$WORK/$name/sandbox.out" || { echo "error: the sandbox was not ready within $limit s" >&2; tail -20 "$WORK/$name/sandbox.err" >&2; exit 1; }
}

run() {
  local name="$1"; shift
  if ! "$LAUNCHER" "$@" --config "$CONFIG" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    echo "error: maas-installer $* failed; its output:" >&2
    tail -n 30 "$WORK/$name.out" "$WORK/$name.err" >&2
    exit 1
  fi
  tail -1 "$WORK/$name.out" | sed 's/^/    /'
}

# --- 1. online: Keycloak fetched on demand ---------------------------------------------------------------------------
fresh_home online
if [[ -n "$REPO" ]]; then export MAAS_KEYCLOAK_REPOSITORY="$REPO"; fi
step "Sandbox with Keycloak downloaded on demand (from ${MAAS_KEYCLOAK_REPOSITORY:-Maven Central}), on the package's runtime"
start_sandbox online 600
grep -E '^(Downloading Keycloak|Keycloak .* is verified)' "$WORK/online/sandbox.err" | sed 's/^/    /' || true
if grep -q 'runs without Keycloak' "$WORK/online/sandbox.err"; then
  echo "error: the sandbox could not start its Keycloak:" >&2; grep -i 'keycloak' "$WORK/online/sandbox.err" >&2; exit 1
fi
# with an empty home nothing else has Keycloak: it must have been downloaded (a zip found elsewhere, e.g. in the
# Maven repository of the password database's home, would hide a broken download)
grep -qE '^Keycloak .* is verified and kept in '"$WORK"'/online/' "$WORK/online/sandbox.err" \
  || { echo "error: the sandbox did not download Keycloak into the empty home's data folder:" >&2; cat "$WORK/online/sandbox.err" >&2; exit 1; }
CONFIG="$WORK/online/sandbox/maas-installer.yaml"
step "apply (every stage)"
run apply apply --yes
step "apply again (must change nothing)"
run apply2 apply --yes
if grep -qiE '[1-9][0-9]* (created|updated|deleted)' "$WORK/apply2.out"; then
  echo "error: the second apply changed something:" >&2; cat "$WORK/apply2.out" >&2; exit 1
fi
step "verify"
run verify verify
stop_sandbox

# --- 2. offline: no Keycloak can come -------------------------------------------------------------------------------
fresh_home offline
export MAAS_KEYCLOAK_REPOSITORY="http://127.0.0.1:9/maven2"   # the discard port: nobody answers
OFFLINE_START=$SECONDS
step "Offline: sandbox with an unreachable repository and an empty download cache"
start_sandbox offline "$OFFLINE_LIMIT_S"
grep -q 'runs without Keycloak' "$WORK/offline/sandbox.err" \
  || { echo "error: the offline sandbox does not say it runs without Keycloak:" >&2; cat "$WORK/offline/sandbox.err" >&2; exit 1; }
grep -E 'could not be downloaded|runs without Keycloak' "$WORK/offline/sandbox.err" | sed 's/^/    /'
CONFIG="$WORK/offline/sandbox/maas-installer.yaml"
step "Offline: apply (sso and portal left out)"
run apply-offline apply --yes
step "Offline: verify (sso and portal left out as not available here, the rest must pass)"
run verify-offline verify
grep -qi 'not available here' "$WORK/verify-offline.out" \
  || { echo "error: the offline verify does not say sso and portal are not available here:" >&2; cat "$WORK/verify-offline.out" >&2; exit 1; }
OFFLINE_S=$((SECONDS - OFFLINE_START))
[[ "$OFFLINE_S" -le "$OFFLINE_LIMIT_S" ]] || { echo "error: the offline run took $OFFLINE_S s (more than $OFFLINE_LIMIT_S s)" >&2; exit 1; }
stop_sandbox
step "The package ran alone: sandbox with Keycloak fetched on demand, every stage applied twice (the second time changing nothing) and verified; offline, SSO stated as not available and the rest applied in $OFFLINE_S s"
exit 0
}
