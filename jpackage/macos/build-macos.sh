#!/usr/bin/env bash
# Builds the macOS .dmg of MaaS Installer: target/jpackage/MaaS Installer-<version>.dmg
#
# Runs on a macOS runner (not on the Linux build machine): JDK 17 with jmods in JAVA_HOME (e.g. Temurin 17 for
# the runner's architecture; the Maven build then picks JavaFX's mac or mac-aarch64 jars), Xcode command line tools.
#   jpackage/macos/build-macos.sh [--skip-build]
# Signing (optional): set MAC_SIGNING_KEY_USER_NAME (e.g. "Developer ID Application: Example (TEAMID)") and the
# certificate must be in the login keychain; notarisation is a separate step (xcrun notarytool) on the .dmg.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SKIP_BUILD=false
[[ "${1:-}" == --skip-build ]] && SKIP_BUILD=true

JDK="${JAVA_HOME:?set JAVA_HOME to a JDK 17 with jmods}"
[[ -d "$JDK/jmods" ]] || { echo "error: $JDK has no jmods/" >&2; exit 1; }
APP_NAME="MaaS Installer"
MAIN_JAR=maas-installer.jar
MAIN_CLASS=dev.maas.installer.Main
IDENTIFIER=dev.maas.installer
OUT="$ROOT/target/jpackage"
WORK="$OUT/work"

[[ "$SKIP_BUILD" == true ]] || ./mvnw -q -B package -DskipTests -Papp-jar
VERSION="$(sed -n 's/^version=//p' target/maven-archiver/pom.properties)"
# jpackage on macOS rejects a CFBundleVersion whose first number is 0, so until the project reaches 1.0 the
# bundle version of 0.x.y is 1.x.y (the project version stays in the jar's manifest).
APP_VERSION="$(echo "$VERSION" | grep -oE '^[0-9]+(\.[0-9]+){0,2}')"
[[ "${APP_VERSION%%.*}" == 0 ]] && APP_VERSION="1.${APP_VERSION#0.}"

rm -rf "$OUT"
mkdir -p "$WORK/input/lib" "$WORK/fxnative"
# one jar: the app and every dependency but JavaFX (Maven profile app-jar; a faster start, docs/packaging.md)
cp -p target/maas-installer-app.jar "$WORK/input/$MAIN_JAR"
shopt -s nullglob
FX_JARS=(target/lib/javafx-*-mac*.jar)
[[ ${#FX_JARS[@]} -ge 3 ]] || { echo "error: no JavaFX macOS jars in target/lib" >&2; exit 1; }
FX_PATH="$(IFS=:; echo "${FX_JARS[*]}")"
MODULES="$(grep -v '^#' jpackage/runtime-modules.txt | grep -v '^$' | paste -sd, -)"

"$JDK/bin/jlink" --module-path "$JDK/jmods:$FX_PATH" \
  --add-modules "$MODULES,javafx.base,javafx.graphics,javafx.controls" \
  --strip-debug --no-header-files --no-man-pages --generate-cds-archive \
  --exclude-resources '/javafx.graphics/**.dylib' \
  --output "$WORK/runtime"
# JavaFX loads its .dylib files from the runtime's lib/ (java.home/lib).
for jar in "${FX_JARS[@]}"; do (cd "$WORK/fxnative" && "$JDK/bin/jar" xf "$ROOT/$jar"); done
cp "$WORK/fxnative"/*.dylib "$WORK/runtime/lib/"

SIGN=()
if [[ -n "${MAC_SIGNING_KEY_USER_NAME:-}" ]]; then
  SIGN=(--mac-sign --mac-signing-key-user-name "$MAC_SIGNING_KEY_USER_NAME")
fi
# No AppCDS training on macOS yet: a JDK 17 archive only works at the exact path it was trained at, and the
# app can be dragged anywhere. The runtime still has the JDK's base CDS archive.
# JVM options as on Linux (jpackage/build-linux.sh JAVA_OPTIONS: C1 only, for a faster first frame).
"$JDK/bin/jpackage" --type dmg \
  --name "$APP_NAME" --app-version "$APP_VERSION" \
  --vendor "MaaS Installer project" \
  --copyright "Copyright (c) the MaaS Installer authors, MIT licence" \
  --description "Sets up Models as a Service (Red Hat SSO, 3scale, model products, developer portal) on OpenShift" \
  --icon "$ROOT/installer-assets/icons/maas-installer.icns" \
  --license-file "$ROOT/LICENSE" \
  --input "$WORK/input" --main-jar "$MAIN_JAR" --main-class "$MAIN_CLASS" \
  --java-options -XX:TieredStopAtLevel=1 \
  --runtime-image "$WORK/runtime" \
  --mac-package-identifier "$IDENTIFIER" \
  --mac-package-name "$APP_NAME" \
  "${SIGN[@]}" \
  --dest "$OUT"
rm -rf "$WORK"
ls -l "$OUT"
