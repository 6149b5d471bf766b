#!/usr/bin/env bash
# Trains an AppCDS (JDK 17 dynamic) archive for a jpackage app-image and, only once the archive exists
# and is proven usable, adds -XX:SharedArchiveFile=$APPDIR/<archive> to the launcher's .cfg.
# (A SharedArchiveFile that does not exist silently turns off all class sharing, so it is never added blindly.)
#
#   train-cds.sh APP_IMAGE_DIR LAUNCHER_NAME ARCHIVE_NAME WINDOW_TITLE INSTALL_DIR [TIMEOUT_SECONDS [MAIN_CLASS]]
#
# MAIN_CLASS (default dev.maas.installer.Main) is the class the check run must find in the archive; the check runs
# the launcher with --help, which the app must answer without opening a window.
#
# Why INSTALL_DIR: a JDK 17 archive records the absolute path of every class-path jar and refuses to load
# ("Required classpath entry does not exist") when the app runs from anywhere else. So the training and the
# check run with the app-image mounted at the path the package installs it to (/opt/maas-installer), in a
# private mount namespace (unshare), which changes nothing outside this script. dpkg keeps the files'
# modification times, which the JVM also checks.
#
# The training run starts the real launcher, so the recorded class path is exactly the launcher's. It passes
# -Dmaas.cds.training=true: the app (dev.maas.installer.ui.FirstFrame) opens its first frame and exits by itself,
# and the JVM writes the archive as it exits. As a fallback for an app without that hook, the script waits for a
# window titled WINDOW_TITLE and, if the app is still running CDS_SETTLE_SECONDS (default 30: writing the archive
# takes a few seconds on a busy machine) later, ends it with SIGTERM (the JVM's orderly shutdown still writes the
# archive). Without $DISPLAY the run happens under xvfb-run.
set -euo pipefail

APP_IMAGE="$(cd "${1:?app-image dir}" && pwd)"
LAUNCHER_NAME="${2:?launcher name}"
ARCHIVE_NAME="${3:?archive file name}"
WINDOW_TITLE="${4:?window title}"
INSTALL_DIR="${5:?install dir, e.g. /opt/maas-installer}"
TIMEOUT="${6:-120}"
MAIN_CLASS="${7:-dev.maas.installer.Main}"
SETTLE_SECONDS="${CDS_SETTLE_SECONDS:-30}"

CFG="$APP_IMAGE/lib/app/$LAUNCHER_NAME.cfg"
ARCHIVE="$APP_IMAGE/lib/app/$ARCHIVE_NAME"
# the same files, as the launcher sees them inside the namespace
LAUNCHER_AT_INSTALL="$INSTALL_DIR/bin/$LAUNCHER_NAME"
ARCHIVE_AT_INSTALL="$INSTALL_DIR/lib/app/$ARCHIVE_NAME"

die() { echo "error: $*" >&2; exit 1; }

[[ -x "$APP_IMAGE/bin/$LAUNCHER_NAME" && -f "$CFG" ]] || die "no launcher/cfg in $APP_IMAGE"

# Runs "$@" with the app-image visible at INSTALL_DIR (tmpfs over its parent, then a bind mount).
if [[ "$(id -u)" == 0 ]]; then UNSHARE=(unshare --mount --propagation private); else UNSHARE=(unshare --map-root-user --mount --propagation private); fi
# (exec: so that, run in the background, $! is the launcher's own pid and SIGTERM reaches the JVM)
at_install_path() {
  exec "${UNSHARE[@]}" bash -c '
    set -e
    mount -t tmpfs -o mode=755 maas-cds "$(dirname "$1")"
    mkdir -p "$1"
    mount --bind "$2" "$1"
    shift 2
    exec "$@"' _ "$INSTALL_DIR" "$APP_IMAGE" "$@"
}
at_install_path_sub() { (at_install_path "$@"); }

# Inside the X session: start the app, wait until it exits or shows its window, then end it.
run_training() {
  local log="$1" start=$SECONDS pid state=running shown_at=0
  JAVA_TOOL_OPTIONS="-XX:ArchiveClassesAtExit=$ARCHIVE_AT_INSTALL -Dmaas.cds.training=true" \
    at_install_path "$LAUNCHER_AT_INSTALL" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start > TIMEOUT )); then
      echo "error: the training run did not finish within ${TIMEOUT}s" >&2
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" || true
      return 1
    fi
    if [[ "$state" == running ]] && xwininfo -root -tree 2>/dev/null | grep -qF "\"$WINDOW_TITLE\""; then
      state=shown
      shown_at=$SECONDS
      echo "    window '$WINDOW_TITLE' shown after $((SECONDS - start)) s"
    fi
    if [[ "$state" == shown ]] && (( SECONDS - shown_at >= SETTLE_SECONDS )); then
      echo "    the app did not exit within ${SETTLE_SECONDS}s of its window (no maas.cds.training hook?): ending it with SIGTERM"
      kill -TERM "$pid" 2>/dev/null || true
      state=terminated
    fi
    sleep 0.5
  done
  wait "$pid" || true   # 143 after SIGTERM is expected; the archive is checked below
  if [[ "$state" != terminated ]]; then
    echo "    the app exited by itself after its first frame ($((SECONDS - start)) s, archive written)"
  fi
}

if [[ -n "${CDS_TRAINING_IN_X:-}" ]]; then
  # second pass, started below under xvfb-run: only the training run
  run_training "$CDS_TRAINING_LOG"
  exit $?
fi

printf '\033[1m==> %s\033[0m\n' "Training the AppCDS archive ($ARCHIVE_NAME, as if installed in $INSTALL_DIR)"
grep -q 'SharedArchiveFile' "$CFG" && die "$CFG already names a SharedArchiveFile; train on a fresh app-image"
command -v xwininfo >/dev/null || die "xwininfo not found (apt-get install -y x11-utils), or build with --no-cds"
at_install_path_sub true 2>/dev/null \
  || die "cannot mount the app-image at $INSTALL_DIR in a private namespace (unshare not permitted here); build with --no-cds"
rm -f "$ARCHIVE"
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

if [[ -n "${DISPLAY:-}" ]]; then
  run_training "$LOG_DIR/app.out"
else
  command -v xvfb-run >/dev/null || die "no DISPLAY and no xvfb-run (apt-get install -y xvfb), or build with --no-cds"
  CDS_TRAINING_IN_X=1 CDS_TRAINING_LOG="$LOG_DIR/app.out" xvfb-run -a -s '-screen 0 1366x768x24' \
    bash "${BASH_SOURCE[0]}" "$APP_IMAGE" "$LAUNCHER_NAME" "$ARCHIVE_NAME" "$WINDOW_TITLE" "$INSTALL_DIR" "$TIMEOUT" "$MAIN_CLASS"
fi

if [[ ! -s "$ARCHIVE" ]]; then
  echo "error: no archive was written; the app's output was:" >&2
  cat "$LOG_DIR/app.out" >&2
  exit 1
fi

# Prove the archive is usable before the launcher relies on it: at the install path, MAIN_CLASS must
# come from the top (dynamic) archive.
JAVA_TOOL_OPTIONS="-XX:SharedArchiveFile=$ARCHIVE_AT_INSTALL -Xlog:class+load=info:file=$LOG_DIR/load.log -Xlog:cds=info:file=$LOG_DIR/cds.log" \
  at_install_path_sub "$LAUNCHER_AT_INSTALL" --help >/dev/null 2>&1 || true
if ! grep -qF "$MAIN_CLASS source: shared objects file (top)" "$LOG_DIR/load.log"; then
  echo "error: the trained archive is not used by the launcher; not enabling it. CDS log:" >&2
  grep -iE 'unable|mismatch|not exist|fail|error' "$LOG_DIR/cds.log" >&2 || true
  rm -f "$ARCHIVE"
  exit 1
fi
TOP=$(grep -c 'source: shared objects file (top)' "$LOG_DIR/load.log" || true)
BASE=$(grep -c 'source: shared objects file$' "$LOG_DIR/load.log" || true)
echo "    archive $(du -h "$ARCHIVE" | cut -f1); a --help run at $INSTALL_DIR took $TOP classes from it and $BASE from the JDK's base archive"

# Add the option to the launcher configuration ([JavaOptions] section written by jpackage).
if grep -q '^\[JavaOptions\]' "$CFG"; then
  sed -i "/^\[JavaOptions\]/a java-options=-XX:SharedArchiveFile=\$APPDIR/$ARCHIVE_NAME" "$CFG"
else
  printf '\n[JavaOptions]\njava-options=-XX:SharedArchiveFile=$APPDIR/%s\n' "$ARCHIVE_NAME" >> "$CFG"
fi
echo "    $(basename "$CFG") now uses \$APPDIR/$ARCHIVE_NAME"
