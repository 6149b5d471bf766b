#!/usr/bin/env bash
# Time to first frame of the packaged launcher, side by side with a minimal JavaFX window packaged the same way.
#
#   1. the installer's app-image, by jpackage/build-linux.sh --app-image-only (jlink runtime, jpackage, AppCDS
#      archive trained for /opt/maas-installer): target/jpackage/maas-installer
#   2. the baseline: jpackage/bench/src (one window with one Label, the installer's own FirstFrame class), packaged
#      with the SAME runtime (a copy of the installer image's lib/runtime), the same jpackage options, and its own
#      AppCDS archive trained the same way by jpackage/linux/train-cds.sh (for /opt/first-frame-minimal):
#      target/bench-first-frame/first-frame-minimal
#   3. both run N times, alternating (which one goes first alternates too), each at its install path (the path its
#      archive was trained for, mounted in a private mount namespace like the training), with a fresh empty HOME,
#      under Xvfb when there is no DISPLAY. Each run: the script takes the time, execs the launcher with
#      -Dmaas.firstframe.report=FILE (through JAVA_TOOL_OPTIONS); the app writes the wall-clock time of its first
#      frame to FILE, and that of its whole window (the installer builds the wizard right after its first frame; the
#      minimal window has nothing more to build), and exits. Time to first frame = that time minus the launch time.
#   4. prints every run, the median and minimum of each app and the ratios, plus one diagnostic run of each with
#      -Xlog:class+load and -Xlog:cds (classes loaded before the first frame and where they came from).
# See docs/benchmarks.md (figures) and docs/packaging.md (the mechanism).
{ # the whole script is one block, read before it runs: editing the file during a run cannot derail the run
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: jpackage/bench-first-frame.sh [options]

  --runs N        measured runs of each app (default 10), after one warm-up run of each
  --reuse         do not build the installer: reuse target/jpackage/maas-installer (e.g. the app-image left by
                  build-linux.sh) and target/bench-first-frame/first-frame-minimal, which is built only when missing
  --skip-build    pass --skip-build to build-linux.sh (reuse target/maas-installer-app.jar and target/lib)
  -h, --help      this text

Needs what jpackage/build-linux.sh needs for an app-image with AppCDS (JDK 17 with jmods, xvfb, x11-utils,
util-linux), run as root or with unprivileged user namespaces.
EOF
}

RUNS=10
REUSE=false
SKIP_BUILD=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a value}"; shift ;;
    --reuse) REUSE=true ;;
    --skip-build) SKIP_BUILD=true ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INSTALLER_IMAGE="$ROOT/target/jpackage/maas-installer"
INSTALLER_DIR=/opt/maas-installer
INSTALLER_LAUNCHER="$INSTALLER_DIR/bin/maas-installer"
OUT="$ROOT/target/bench-first-frame"
MIN_NAME="first-frame-minimal"
MIN_TITLE="First frame minimal"
MIN_MAIN="dev.maas.firstframe.MinimalMain"
MIN_IMAGE="$OUT/$MIN_NAME"
MIN_DIR="/opt/$MIN_NAME"
MIN_LAUNCHER="$MIN_DIR/bin/$MIN_NAME"

die() { echo "error: $*" >&2; exit 1; }
log() { printf '\033[1m==> [%3ss] %s\033[0m\n' "$SECONDS" "$*"; }

# --- second pass: inside the private mount namespace, with an X display ---------------------------------------
if [[ -n "${BENCH_INSIDE:-}" ]]; then
  mount -t tmpfs -o mode=755 bench-first-frame /opt
  mkdir -p "$INSTALLER_DIR" "$MIN_DIR"
  mount --bind "$INSTALLER_IMAGE" "$INSTALLER_DIR"
  mount --bind "$MIN_IMAGE" "$MIN_DIR"
  WORKDIR="$BENCH_WORKDIR"

  # run_one NAME LAUNCHER [extra JVM options]: prints "<ms to first frame> <ms launch to exit> <ms JVM start to first
  # frame> <ms to the whole window> <ms CPU of the process by the first frame> <ms CPU of the JavaFX thread by then>"
  # (the whole window: once what the app builds right after its first frame is laid out and drawn; the first frame for
  # an app that builds nothing then. CPU times hold where wall-clock times scatter on a busy machine)
  run_one() {
    local name="$1" launcher="$2" extra="${3:-}" home report t0 t1 ff jvm ready cpu fxcpu
    home="$(mktemp -d "$WORKDIR/home.XXXXXX")"
    report="$WORKDIR/$name.report"
    rm -f "$report"
    t0=$(date +%s%3N)
    if ! HOME="$home" JAVA_TOOL_OPTIONS="-Dmaas.firstframe.report=$report $extra" \
        timeout 120 "$launcher" >"$WORKDIR/$name.out" 2>&1; then
      echo "error: $name failed; its output:" >&2
      cat "$WORKDIR/$name.out" >&2
      return 1
    fi
    t1=$(date +%s%3N)
    rm -rf "$home"
    [[ -s "$report" ]] || { echo "error: $name wrote no first-frame report" >&2; cat "$WORKDIR/$name.out" >&2; return 1; }
    ff="$(sed -n 's/^firstFrameEpochMillis=//p' "$report")"
    jvm="$(sed -n 's/^jvmToFirstFrameMillis=//p' "$report")"
    ready="$(sed -n 's/^readyEpochMillis=//p' "$report")"
    cpu="$(sed -n 's/^processCpuMillisAtFirstFrame=//p' "$report")"
    fxcpu="$(sed -n 's/^fxThreadCpuMillisAtFirstFrame=//p' "$report")"
    echo "$((ff - t0)) $((t1 - t0)) $jvm $((${ready:-$ff} - t0)) ${cpu:--1} ${fxcpu:--1}"
  }

  : >"$WORKDIR/installer.times"
  : >"$WORKDIR/minimal.times"
  printf '    %-8s %-10s %10s %10s %10s %12s %10s %10s\n' run app "first frame" "to exit" "JVM->frame" "whole window" \
    "CPU" "FX CPU"
  for ((i = 0; i <= RUNS; i++)); do
    if (( i % 2 == 0 )); then order=(installer minimal); else order=(minimal installer); fi
    for app in "${order[@]}"; do
      if [[ "$app" == installer ]]; then r="$(run_one installer "$INSTALLER_LAUNCHER")"
      else r="$(run_one minimal "$MIN_LAUNCHER")"; fi
      read -r ff total jvm ready cpu fxcpu <<<"$r"
      label=$([[ $i == 0 ]] && echo warm-up || echo "$i")
      printf '    %-8s %-10s %8s ms %7s ms %7s ms %9s ms %7s ms %7s ms\n' "$label" "$app" "$ff" "$total" "$jvm" "$ready" \
        "$cpu" "$fxcpu"
      (( i == 0 )) || echo "$ff $total $jvm $ready $cpu $fxcpu" >>"$WORKDIR/$app.times"
    done
  done

  # one diagnostic run of each: classes loaded before the first frame, and where from; CDS messages
  for app in installer minimal; do
    launcher=$([[ "$app" == installer ]] && echo "$INSTALLER_LAUNCHER" || echo "$MIN_LAUNCHER")
    run_one "$app" "$launcher" "-Xlog:class+load=info:file=$WORKDIR/$app.classes -Xlog:cds=info:file=$WORKDIR/$app.cds" >/dev/null
  done
  exit 0
fi

# --- first pass: build both app-images ------------------------------------------------------------------------
JDK="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
[[ -d "$JDK/jmods" ]] || JDK=/usr/lib/jvm/java-17-openjdk-amd64
cd "$ROOT"
if [[ "$REUSE" == false ]]; then
  log "Building the installer's app-image (jpackage/build-linux.sh --app-image-only)"
  args=(--app-image-only)
  [[ "$SKIP_BUILD" == true ]] && args+=(--skip-build)
  bash "$ROOT/jpackage/build-linux.sh" "${args[@]}"
fi
CFG="$INSTALLER_IMAGE/lib/app/maas-installer.cfg"
[[ -f "$CFG" ]] || die "no installer app-image in $INSTALLER_IMAGE (run without --reuse)"
grep -q 'SharedArchiveFile' "$CFG" || echo "WARNING: $CFG has no AppCDS archive (built with --no-cds?)" >&2

if [[ "$REUSE" == false || ! -x "$MIN_IMAGE/bin/$MIN_NAME" ]]; then
  log "Building the minimal window's app-image (same runtime, same jpackage options, own AppCDS archive)"
  rm -rf "$OUT"
  mkdir -p "$OUT/classes/dev/maas/installer/ui" "$OUT/input"
  shopt -s nullglob
  FX_JARS=("$ROOT"/target/lib/javafx-*-linux.jar)
  [[ ${#FX_JARS[@]} -ge 3 ]] || die "no JavaFX Linux jars in target/lib"
  [[ -f "$ROOT/target/classes/dev/maas/installer/ui/FirstFrame.class" ]] || die "target/classes lacks FirstFrame (build first)"
  "$JDK/bin/javac" --release 17 -d "$OUT/classes" \
    -cp "$ROOT/target/classes:$(IFS=:; echo "${FX_JARS[*]}")" \
    "$ROOT/jpackage/bench/src/dev/maas/firstframe/MinimalMain.java"
  cp "$ROOT"/target/classes/dev/maas/installer/ui/FirstFrame*.class "$OUT/classes/dev/maas/installer/ui/"
  "$JDK/bin/jar" --create --file "$OUT/input/$MIN_NAME.jar" -C "$OUT/classes" .
  # exactly the installer's runtime: the copy jpackage put into its app-image
  cp -a "$INSTALLER_IMAGE/lib/runtime" "$OUT/runtime"
  VERSION="$(sed -n 's/^version=//p' target/maven-archiver/pom.properties)"
  # the installer's JVM options (jpackage/build-linux.sh JAVA_OPTIONS), without its AppCDS archive and without the
  # version property jpackage adds by itself
  JAVA_OPTS=()
  while IFS= read -r o; do JAVA_OPTS+=(--java-options "$o"); done \
    < <(sed -n 's/^java-options=//p' "$CFG" | grep -v -e 'SharedArchiveFile' -e '-Djpackage.app-version' || true)
  echo "    JVM options of both launchers: $(sed -n 's/^java-options=//p' "$CFG" | grep -v 'SharedArchiveFile' | paste -sd' ' -)"
  "$JDK/bin/jpackage" \
    --type app-image \
    --name "$MIN_NAME" \
    --app-version "$(echo "$VERSION" | grep -oE '^[0-9]+(\.[0-9]+){0,2}')" \
    --vendor "MaaS Installer project" \
    --icon "$ROOT/installer-assets/icons/maas-installer-256.png" \
    --input "$OUT/input" \
    --main-jar "$MIN_NAME.jar" \
    --main-class "$MIN_MAIN" \
    "${JAVA_OPTS[@]}" \
    --runtime-image "$OUT/runtime" \
    --dest "$OUT"
  rm -rf "$OUT/runtime"
  EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
  find "$MIN_IMAGE" -exec touch -h -d "@$EPOCH" {} +
  bash "$ROOT/jpackage/linux/train-cds.sh" "$MIN_IMAGE" "$MIN_NAME" "$MIN_NAME.jsa" "$MIN_TITLE" "$MIN_DIR" 120 "$MIN_MAIN"
fi
[[ -x "$MIN_IMAGE/bin/$MIN_NAME" ]] || die "no minimal app-image in $MIN_IMAGE"

# --- measure --------------------------------------------------------------------------------------------------
WORKDIR="$(mktemp -d)"
XVFB_PID=""
cleanup() {
  [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$WORKDIR"
}
trap cleanup EXIT
if [[ -z "${DISPLAY:-}" ]]; then
  command -v Xvfb >/dev/null || die "no DISPLAY and no Xvfb (apt-get install -y xvfb)"
  for n in $(seq 79 99); do [[ -e "/tmp/.X11-unix/X$n" || -e "/tmp/.X$n-lock" ]] || break; done
  Xvfb ":$n" -screen 0 1366x768x24 -nolisten tcp >"$WORKDIR/xvfb.log" 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$n"
  for _ in $(seq 1 100); do [[ -e "/tmp/.X11-unix/X$n" ]] && break; kill -0 "$XVFB_PID" || die "Xvfb did not start"; sleep 0.1; done
fi

# jpackage's Linux launcher asks dpkg (or rpm) which package owns it before it starts the JVM; when a package owns
# the path (e.g. the maas-installer .deb is installed, at the same /opt path), that lookup does more work and the
# launcher is slower by about 20 ms: not like for like with the minimal window, which no package owns
for path in "$INSTALLER_LAUNCHER" "$MIN_LAUNCHER"; do
  if command -v dpkg >/dev/null && dpkg -S "$path" >/dev/null 2>&1; then
    echo "WARNING: a package owns $path (dpkg -S): its launcher's package lookup takes longer; remove the package" \
      "(e.g. apt-get purge maas-installer) for a like-for-like comparison" >&2
  fi
done
log "Measuring: $RUNS runs of each, alternating, after one warm-up run each (DISPLAY=$DISPLAY)"
echo "    machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "$(id -u)" == 0 ]]; then UNSHARE=(unshare --mount --propagation private); else UNSHARE=(unshare --map-root-user --mount --propagation private); fi
BENCH_INSIDE=1 BENCH_WORKDIR="$WORKDIR" "${UNSHARE[@]}" bash "${BASH_SOURCE[0]}" --runs "$RUNS"
echo "    load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# stats FILE COLUMN -> "median min"
stats() {
  sort -n -k"$2,$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%d %d\n", m, v[1]}'
}
read -r IM IMIN < <(stats "$WORKDIR/installer.times" 1)
read -r MM MMIN < <(stats "$WORKDIR/minimal.times" 1)
read -r IJ _ < <(stats "$WORKDIR/installer.times" 3)
read -r MJ _ < <(stats "$WORKDIR/minimal.times" 3)
read -r IR IRMIN < <(stats "$WORKDIR/installer.times" 4)
read -r MR MRMIN < <(stats "$WORKDIR/minimal.times" 4)
read -r IC ICMIN < <(stats "$WORKDIR/installer.times" 5)
read -r MC MCMIN < <(stats "$WORKDIR/minimal.times" 5)
read -r IX IXMIN < <(stats "$WORKDIR/installer.times" 6)
read -r MX MXMIN < <(stats "$WORKDIR/minimal.times" 6)
log "Time from launcher exec to first frame ($RUNS runs each)"
printf '    %-34s %8s %8s %16s\n' "" median min "JVM->frame median"
printf '    %-34s %5s ms %5s ms %13s ms\n' "maas-installer (packaged)" "$IM" "$IMIN" "$IJ"
printf '    %-34s %5s ms %5s ms %13s ms\n' "minimal JavaFX window (packaged)" "$MM" "$MMIN" "$MJ"
awk -v a="$IM" -v b="$MM" -v c="$IMIN" -v d="$MMIN" \
  'BEGIN {printf "    ratio installer / minimal: %.2f (medians), %.2f (minimums); goal: at most 1.14\n", a / b, c / d}'
log "Time from launcher exec to the whole window ($RUNS runs each; the installer builds the wizard right after its first frame)"
printf '    %-34s %8s %8s\n' "" median min
printf '    %-34s %5s ms %5s ms\n' "maas-installer (packaged)" "$IR" "$IRMIN"
printf '    %-34s %5s ms %5s ms\n' "minimal JavaFX window (packaged)" "$MR" "$MRMIN"
awk -v a="$IR" -v b="$MR" -v c="$IRMIN" -v d="$MRMIN" \
  'BEGIN {printf "    ratio installer / minimal: %.2f (medians), %.2f (minimums)\n", a / b, c / d}'

log "CPU time used by the first frame ($RUNS runs each; Linux /proc, 10 ms ticks; holds better than wall-clock times on a busy machine)"
printf '    %-34s %16s %16s\n' "" "process median/min" "FX thread median/min"
printf '    %-34s %8s/%-4s ms %10s/%-4s ms\n' "maas-installer (packaged)" "$IC" "$ICMIN" "$IX" "$IXMIN"
printf '    %-34s %8s/%-4s ms %10s/%-4s ms\n' "minimal JavaFX window (packaged)" "$MC" "$MCMIN" "$MX" "$MXMIN"
awk -v a="$IC" -v b="$MC" -v c="$IX" -v d="$MX" \
  'BEGIN {if (b > 0 && d > 0) printf "    ratio installer / minimal: %.2f (process), %.2f (FX thread), medians\n", a / b, c / d}'

log "Classes loaded before the first frame, and by the whole window (one run each with -Xlog:class+load)"
for app in installer minimal; do
  all="$WORKDIR/$app.classes"
  # the first frame: the lambda FirstFrame makes in the first pulse's post-layout listener
  cut=$(grep -n -m1 'dev\.maas\.installer\.ui\.FirstFrame\$1\$\$Lambda' "$all" | cut -d: -f1 || true)
  head -n "${cut:-999999}" "$all" >"$WORKDIR/$app.first-frame.classes"
  f="$WORKDIR/$app.first-frame.classes"
  total=$(grep -c 'class,load' "$f" || true)
  top=$(grep -c 'source: shared objects file (top)' "$f" || true)
  base=$(grep -c 'source: shared objects file$' "$f" || true)
  jrt=$(grep -c 'source: jrt:/' "$f" || true)
  jar=$(grep -c 'source: file:' "$f" || true)
  whole=$(grep -c 'class,load' "$all" || true)
  wjar=$(grep -c 'source: file:' "$all" || true)
  printf '    %-10s %5d classes before the first frame: %5d from the app archive, %5d from the base archive, %4d from the module image, %4d from jars\n' \
    "$app" "$total" "$top" "$base" "$jrt" "$jar"
  printf '    %-10s %5d classes by the whole window (%d from jars)\n' "" "$whole" "$wjar"
  if grep -iE 'unable to use|mismatch|error' "$WORKDIR/$app.cds" >/dev/null; then
    echo "    WARNING ($app): the CDS log reports a problem:" >&2
    grep -iE 'unable to use|mismatch|error' "$WORKDIR/$app.cds" | head -5 >&2
  fi
done
HEAVY_RE=' (io\.fabric8|org\.keycloak|okhttp3|com\.fasterxml\.jackson\.dataformat\.yaml|org\.yaml\.snakeyaml|io\.vertx|io\.netty)\.'
heavy=$(grep -cE "$HEAVY_RE" "$WORKDIR/installer.first-frame.classes" || true)
wheavy=$(grep -cE "$HEAVY_RE" "$WORKDIR/installer.classes" || true)
echo "    installer: $heavy classes of fabric8, the Keycloak client, OkHttp, Jackson YAML, SnakeYAML, Vert.x or Netty before the first frame, $wheavy by the whole window"
exit 0
}
