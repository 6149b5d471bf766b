#!/usr/bin/env bash
# Builds the Linux app-image and .deb of MaaS Installer:
#   target/jpackage/maas-installer/            app-image (launcher bin/maas-installer)
#   target/jpackage/maas-installer_<v>_amd64.deb
# See docs/packaging.md for prerequisites and what each step does.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: jpackage/build-linux.sh [options]

  --skip-build        do not run ./mvnw package -Papp-jar (reuse target/maas-installer-app.jar and target/lib)
  --no-cds            do not train an AppCDS archive (no X display / Xvfb needed)
  --app-image-only    stop after the app-image, build no .deb
  --modules LIST      JDK modules for the runtime (comma separated), instead of jdeps + the fixed extras
  --cds-timeout SEC   how long the CDS training run may take before it fails (default 120)
  --no-smoke          do not run jpackage/linux/smoke-test.sh on the built .deb (it runs by default, and the
                      build fails when it fails)
  -h, --help          this text

Environment: JAVA_HOME (a JDK 17+ with jmods/, jlink and jpackage);
             default /usr/lib/jvm/java-17-openjdk-amd64.
EOF
}

SKIP_BUILD=false
CDS=true
APP_IMAGE_ONLY=false
MODULES_OVERRIDE=""
CDS_TIMEOUT=120
SMOKE=true
while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-build) SKIP_BUILD=true ;;
    --no-cds) CDS=false ;;
    --app-image-only) APP_IMAGE_ONLY=true ;;
    --modules) MODULES_OVERRIDE="${2:?--modules needs a value}"; shift ;;
    --cds-timeout) CDS_TIMEOUT="${2:?--cds-timeout needs a value}"; shift ;;
    --no-smoke) SMOKE=false ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APP_NAME="maas-installer"            # launcher, package and install dir name (CLI friendly, no spaces)
DISPLAY_NAME="MaaS Installer"        # shown in the desktop menu (jpackage/linux/resources/maas-installer.desktop)
MAIN_CLASS="dev.maas.installer.Main"
MAIN_JAR="maas-installer.jar"
VENDOR="MaaS Installer project"
DESCRIPTION="Sets up Models as a Service (Red Hat SSO, 3scale, model products, developer portal) on OpenShift"
ICON="$ROOT/installer-assets/icons/maas-installer-256.png"
OUT="$ROOT/target/jpackage"
WORK="$OUT/work"
APP_IMAGE="$OUT/$APP_NAME"
INSTALL_DIR="/opt/$APP_NAME"         # where the .deb puts the app-image (jpackage's default for Linux)
CDS_FILE_NAME="$APP_NAME.jsa"
# Base list of JDK modules (with the reasons for the ones jdeps cannot see): jpackage/runtime-modules.txt
LISTED_MODULES="$(grep -v '^#' "$ROOT/jpackage/runtime-modules.txt" | grep -v '^$' | paste -sd, -)"
# Referenced only by build-time tools on the class path (jaxb-jxc, the annotation processor tooling),
# never on the installer's own code paths; leaving it out saves ~20 MB.
EXCLUDED_MODULES="jdk.compiler"
FX_MODULES="javafx.base,javafx.graphics,javafx.controls"
# JVM options of the launcher (the Windows and macOS scripts use the same). C1 only: the installer waits on the
# network, never on its own code, and without C2's compiler threads competing with the JavaFX thread the first
# frame comes markedly sooner on small machines (jpackage/bench-first-frame.sh, docs/benchmarks.md).
JAVA_OPTIONS=(-XX:TieredStopAtLevel=1)
JPACKAGE_JAVA_OPTIONS=()
for o in "${JAVA_OPTIONS[@]}"; do JPACKAGE_JAVA_OPTIONS+=(--java-options "$o"); done

log() { printf '\033[1m==> [%3ss] %s\033[0m\n' "$SECONDS" "$*"; }
die() { echo "error: $*" >&2; exit 1; }

# --- JDK ------------------------------------------------------------------------------------------
JDK="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
if [[ ! -d "$JDK/jmods" ]]; then
  [[ -d /usr/lib/jvm/java-17-openjdk-amd64/jmods ]] || die "$JDK has no jmods/; set JAVA_HOME to a full JDK 17"
  echo "note: $JDK has no jmods/, using /usr/lib/jvm/java-17-openjdk-amd64" >&2
  JDK=/usr/lib/jvm/java-17-openjdk-amd64
fi
for tool in jlink jpackage jdeps java jar; do
  [[ -x "$JDK/bin/$tool" ]] || die "$JDK/bin/$tool is missing"
done
JDK_FEATURE="$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ "${JDK_FEATURE%%.*}" -ge 17 ]] || die "JDK 17 or newer needed, $JDK is $JDK_FEATURE"
if [[ "$APP_IMAGE_ONLY" == false ]]; then
  for tool in dpkg-deb fakeroot objcopy; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install -y fakeroot binutils dpkg"
  done
  if [[ "$SMOKE" == true ]]; then
    # what jpackage/linux/smoke-test.sh needs (checked now, not after the minutes the package takes)
    for tool in unshare python3 curl unzip; do
      command -v "$tool" >/dev/null || die "$tool not found (the smoke test needs it): apt-get install -y util-linux" \
        "python3 curl unzip, or build with --no-smoke"
    done
  fi
fi

# --- Maven build ----------------------------------------------------------------------------------
if [[ "$SKIP_BUILD" == false ]]; then
  log "Building the jars (./mvnw -q -B package -DskipTests -Papp-jar)"
  ./mvnw -q -B package -DskipTests -Papp-jar
fi
APP_JAR="maas-installer-app.jar"
[[ -f "target/$APP_JAR" && -d target/lib ]] || die "target/$APP_JAR or target/lib missing; run without --skip-build"
VERSION="$(sed -n 's/^version=//p' target/maven-archiver/pom.properties 2>/dev/null || true)"
[[ -n "$VERSION" ]] || die "cannot read the version from target/maven-archiver/pom.properties"
# jpackage wants 1 to 3 numeric components; 0.2.0-SNAPSHOT becomes 0.2.0
APP_VERSION="$(echo "$VERSION" | grep -oE '^[0-9]+(\.[0-9]+){0,2}')"
log "Packaging $APP_NAME $APP_VERSION with $JDK"

shopt -s nullglob
FX_JARS=(target/lib/javafx-*-linux.jar)
[[ ${#FX_JARS[@]} -ge 3 ]] || die "no JavaFX Linux jars (javafx-*-linux.jar) in target/lib"
FX_MODULE_PATH="$(IFS=:; echo "${FX_JARS[*]}")"

rm -rf "$OUT"
mkdir -p "$WORK/input/lib"

# --- Input: one jar, the app with every dependency but JavaFX (which lives in the runtime as modules) -----
# (the Maven profile app-jar, see pom.xml: one jar instead of about 140 on the class path makes the start faster,
# docs/packaging.md "Time to first frame"); it keeps the app jar's name in the app-image
cp -p "target/$APP_JAR" "$WORK/input/$MAIN_JAR"
# stored, not deflated: the .deb's xz then compresses across all classes at once, which deflate, one class at a time,
# leaves it no chance to (docs/packaging.md, "Size")
"$JDK/bin/java" "$ROOT/jpackage/tools/StoreJar.java" "$WORK/input/$MAIN_JAR"

# --- Which JDK modules ----------------------------------------------------------------------------
if [[ -n "$MODULES_OVERRIDE" ]]; then
  JDK_MODULES="$MODULES_OVERRIDE"
else
  log "Finding the JDK modules with jdeps"
  # jdeps treats a modular jar given as input as a module and then insists on all its 'requires'
  # (even optional ones such as com.sun.xml.dtdparser); analysing plain copies without module-info
  # lets it look at the classes only, which is what runs on the class path anyway.
  mkdir -p "$WORK/jdeps"
  cp "$WORK/input/$MAIN_JAR" "$WORK/input/lib/"*.jar "$WORK/jdeps/"
  "$JDK/bin/java" "$ROOT/jpackage/tools/StripModuleInfo.java" "$WORK/jdeps"/*.jar
  FOUND="$("$JDK/bin/jdeps" -q --ignore-missing-deps --multi-release 17 --print-module-deps \
      --module-path "$FX_MODULE_PATH" "$WORK/jdeps"/*.jar)"
  echo "    jdeps: $FOUND"
  # --print-module-deps prints a reduced list (a module that another one requires transitively is left out),
  # so compare against the full closure of the listed modules
  CLOSURE="$("$JDK/bin/java" --limit-modules "$LISTED_MODULES" --list-modules | sed 's/@.*//')"
  MISSING="$(echo "$FOUND" | tr ',' '\n' | grep -v '^javafx\.' | grep -vxF -f <(echo "$EXCLUDED_MODULES" | tr ',' '\n') \
    | grep -vxF -f <(echo "$CLOSURE") | paste -sd' ' - || true)"
  if [[ -n "$MISSING" ]]; then
    echo "    WARNING: jdeps found modules that jpackage/runtime-modules.txt lacks (added here; add them there too" \
         "for Windows and macOS): $MISSING" >&2
  fi
  JDK_MODULES="$LISTED_MODULES,$FOUND"
fi
# drop JavaFX (added below), excluded modules and duplicates
JDK_MODULES="$(echo "$JDK_MODULES" | tr ',' '\n' | grep -v '^javafx\.' | grep -vxF -f <(echo "$EXCLUDED_MODULES" | tr ',' '\n') \
  | grep -v '^$' | sort -u | paste -sd, -)"
echo "    runtime modules: $JDK_MODULES,$FX_MODULES"

# --- jlink ----------------------------------------------------------------------------------------
log "Linking the runtime (jlink)"
"$JDK/bin/jlink" \
  --module-path "$JDK/jmods:$FX_MODULE_PATH" \
  --add-modules "$JDK_MODULES,$FX_MODULES" \
  --strip-debug --no-header-files --no-man-pages \
  --exclude-resources '/javafx.graphics/**.so,/javafx.media/**.so,/javafx.web/**.so' \
  --generate-cds-archive \
  --output "$WORK/runtime"
# --generate-cds-archive also writes the archive for -XX:-UseCompressedOops (heaps of 32 GiB and more), which neither
# the installer nor the sandbox's Keycloak ever runs with
rm -f "$WORK/runtime/lib/server/classes_nocoops.jsa"

# JavaFX looks for its native libraries next to the runtime's own (java.home/lib) before anything
# else; the jars carry them as resources, jlink does not place them, so copy them there. jpackage
# then reads their shared-library needs (libgtk-3.so.0, ...) and turns them into .deb dependencies.
log "Copying the JavaFX native libraries into the runtime's lib/"
mkdir -p "$WORK/fxnative"
for jar in "${FX_JARS[@]}"; do
  (cd "$WORK/fxnative" && "$JDK/bin/jar" xf "$ROOT/$jar")
done
SO_FILES=("$WORK/fxnative"/*.so)
[[ ${#SO_FILES[@]} -gt 0 ]] || die "no .so files found in the JavaFX jars"
cp "${SO_FILES[@]}" "$WORK/runtime/lib/"
echo "    ${#SO_FILES[@]} libraries: $(cd "$WORK/fxnative" && ls *.so | paste -sd' ' -)"

# --- app-image ------------------------------------------------------------------------------------
log "Creating the app-image (jpackage --type app-image)"
"$JDK/bin/jpackage" \
  --type app-image \
  --name "$APP_NAME" \
  --app-version "$APP_VERSION" \
  --vendor "$VENDOR" \
  --copyright "Copyright (c) the MaaS Installer authors, MIT licence" \
  --description "$DESCRIPTION" \
  --icon "$ICON" \
  --input "$WORK/input" \
  --main-jar "$MAIN_JAR" \
  --main-class "$MAIN_CLASS" \
  "${JPACKAGE_JAVA_OPTIONS[@]}" \
  --runtime-image "$WORK/runtime" \
  --dest "$OUT"
LAUNCHER="$APP_IMAGE/bin/$APP_NAME"
CFG="$APP_IMAGE/lib/app/$APP_NAME.cfg"
[[ -x "$LAUNCHER" && -f "$CFG" ]] || die "jpackage did not create $LAUNCHER and $CFG"

# --- Docs -----------------------------------------------------------------------------------------
# The CLI's help and the messages point to docs (cli.md, cli-json.md, the example configuration); the package ships
# them in lib/docs, and the app names them there by absolute path (dev.maas.installer.engine.Docs)
log "Copying the docs into the app-image (lib/docs)"
mkdir -p "$APP_IMAGE/lib/docs"
cp "$ROOT"/docs/*.md "$ROOT/docs/maas-installer.example.yaml" "$APP_IMAGE/lib/docs/"

# --- AppCDS ---------------------------------------------------------------------------------------
# The JVM accepts the archive only if every class-path jar has the size and modification time it had at
# training. jpackage copies the app-image when it builds the .deb (new mtimes), so: give every file one fixed
# time now, and let dpkg-deb clamp the .deb's mtimes to that same time (dpkg-deb honours SOURCE_DATE_EPOCH).
# Installed files then carry exactly the trained time. (It also makes the .deb's timestamps reproducible.)
EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
find "$APP_IMAGE" -exec touch -h -d "@$EPOCH" {} +
if [[ "$CDS" == true ]]; then
  bash "$ROOT/jpackage/linux/train-cds.sh" "$APP_IMAGE" "$APP_NAME" "$CDS_FILE_NAME" "$DISPLAY_NAME" "$INSTALL_DIR" "$CDS_TIMEOUT"
fi

# --- .deb -----------------------------------------------------------------------------------------
if [[ "$APP_IMAGE_ONLY" == false ]]; then
  log "Building the .deb (jpackage --type deb)"
  SOURCE_DATE_EPOCH="$EPOCH" "$JDK/bin/jpackage" \
    --type deb \
    --name "$APP_NAME" \
    --app-version "$APP_VERSION" \
    --vendor "$VENDOR" \
    --copyright "Copyright (c) the MaaS Installer authors, MIT licence" \
    --description "$DESCRIPTION" \
    --icon "$ICON" \
    --app-image "$APP_IMAGE" \
    --resource-dir "$ROOT/jpackage/linux/resources" \
    --license-file "$ROOT/LICENSE" \
    --linux-package-name "$APP_NAME" \
    --linux-deb-maintainer "maintainers@maas-installer.invalid" \
    --linux-menu-group "Development;System;" \
    --linux-app-category devel \
    --linux-shortcut \
    --dest "$OUT"
  DEB=("$OUT"/*.deb)
  [[ ${#DEB[@]} -eq 1 ]] || die "expected one .deb in $OUT"
  # the AppCDS archive was trained for this path; make sure the package really installs there
  dpkg-deb -c "${DEB[0]}" | grep " \.$INSTALL_DIR/bin/$APP_NAME\$" >/dev/null \
    || die "${DEB[0]} does not install $INSTALL_DIR/bin/$APP_NAME"
  if [[ "$CDS" == true ]]; then
    JAR_TIME="$(dpkg-deb --fsys-tarfile "${DEB[0]}" | TZ=UTC tar -tv --full-time 2>/dev/null \
      | grep " \.$INSTALL_DIR/lib/app/$MAIN_JAR\$" | awk '{print $4" "$5}')"
    [[ "$JAR_TIME" == "$(TZ=UTC date -d "@$EPOCH" '+%Y-%m-%d %H:%M:%S')" ]] \
      || die "the .deb's jars have time '$JAR_TIME', not the trained one (@$EPOCH): the AppCDS archive would be refused"
  fi
fi

rm -rf "$WORK"
log "Built in $SECONDS s"
ls -l "$OUT"
for deb in "$OUT"/*.deb; do
  echo "    $(basename "$deb"): $(du -h "$deb" | cut -f1)"
  dpkg-deb -f "$deb" Package Version Depends | sed 's/^/    /'
done

# --- Smoke test -----------------------------------------------------------------------------------
# The package as a new user meets it (docs/packaging.md, "Smoke test of the package"); a failure fails the build
# (the .deb stays in target/jpackage to look at)
if [[ "$APP_IMAGE_ONLY" == false && "$SMOKE" == true ]]; then
  log "Smoke test of ${DEB[0]##*/} (jpackage/linux/smoke-test.sh; --no-smoke skips it)"
  bash "$ROOT/jpackage/linux/smoke-test.sh" "${DEB[0]}" \
    || die "the smoke test of ${DEB[0]} failed (its output above); the package is not good"
  log "Done in $SECONDS s (package and smoke test)"
fi
