# Builds the Windows .msi of MaaS Installer: target\jpackage\MaaS Installer-<version>.msi
#
# Runs on a Windows runner (not on the Linux build machine): JDK 17 with jmods (e.g. Temurin 17) in JAVA_HOME,
# WiX Toolset 3.x (candle.exe, light.exe) on PATH (jpackage 17 needs WiX 3), PowerShell 5+.
#   powershell -ExecutionPolicy Bypass -File jpackage\windows\build-windows.ps1 [-SkipBuild]
param([switch]$SkipBuild)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $Root
$Jdk = $env:JAVA_HOME
if (-not $Jdk -or -not (Test-Path "$Jdk\jmods")) { throw "JAVA_HOME must point to a JDK 17 with jmods\" }
foreach ($tool in 'candle.exe', 'light.exe') {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "$tool not found: install WiX Toolset 3.x and put its bin on PATH" }
}

$AppName     = 'MaaS Installer'
$MainJar     = 'maas-installer.jar'
$MainClass   = 'dev.maas.installer.Main'
# Never change this: Windows uses it to recognise newer versions of the same product and upgrade in place.
$UpgradeUuid = '065daca7-1cbd-4b23-bc14-ede6fe2fb037'
$Out  = "$Root\target\jpackage"
$Work = "$Out\work"

if (-not $SkipBuild) {
    & "$Root\mvnw.cmd" -q -B package -DskipTests -Papp-jar
    if ($LASTEXITCODE -ne 0) { throw "maven build failed" }
}
$Version = (Select-String -Path "$Root\target\maven-archiver\pom.properties" -Pattern '^version=(.*)$').Matches[0].Groups[1].Value
$AppVersion = ([regex]::Match($Version, '^\d+(\.\d+){0,2}')).Value

if (Test-Path $Out) { Remove-Item -Recurse -Force $Out }
New-Item -ItemType Directory -Force "$Work\input\lib", "$Work\fxnative" | Out-Null
# one jar: the app and every dependency but JavaFX (Maven profile app-jar; a faster start, docs/packaging.md)
Copy-Item "$Root\target\maas-installer-app.jar" "$Work\input\$MainJar"

$FxJars = @(Get-ChildItem "$Root\target\lib\javafx-*-win.jar")
if ($FxJars.Count -lt 3) { throw "no JavaFX Windows jars (javafx-*-win.jar) in target\lib" }
$FxPath = ($FxJars | ForEach-Object { $_.FullName }) -join ';'
$Modules = (Get-Content "$Root\jpackage\runtime-modules.txt" | Where-Object { $_ -and -not $_.StartsWith('#') }) -join ','
# Windows only: the SunMSCAPI provider, whose Windows-ROOT key store gives the downloads the certificate authorities
# Windows trusts (dev.maas.installer.sandbox.SystemTrust; docs/packaging.md, "TLS and the system's certificate authorities")
$Modules = "$Modules,jdk.crypto.mscapi"

& "$Jdk\bin\jlink.exe" --module-path "$Jdk\jmods;$FxPath" `
    --add-modules "$Modules,javafx.base,javafx.graphics,javafx.controls" `
    --strip-debug --no-header-files --no-man-pages --generate-cds-archive `
    --exclude-resources '/javafx.graphics/**.dll' `
    --output "$Work\runtime"
if ($LASTEXITCODE -ne 0) { throw "jlink failed" }

# JavaFX loads its DLLs from the runtime's bin\ (java.home\bin on Windows).
Push-Location "$Work\fxnative"
foreach ($jar in $FxJars) { & "$Jdk\bin\jar.exe" xf $jar.FullName }
Pop-Location
Copy-Item "$Work\fxnative\*.dll" "$Work\runtime\bin\"

# No AppCDS training on Windows yet: a JDK 17 archive only works at the exact path it was trained at, and the
# user picks the install directory (dir chooser). The runtime still has the JDK's base CDS archive.
# JVM options as on Linux (jpackage/build-linux.sh JAVA_OPTIONS: C1 only, for a faster first frame); the CLI
# launcher inherits them.
& "$Jdk\bin\jpackage.exe" --type msi `
    --name $AppName --app-version $AppVersion `
    --vendor 'MaaS Installer project' `
    --copyright 'Copyright (c) the MaaS Installer authors, MIT licence' `
    --description 'Sets up Models as a Service (Red Hat SSO, 3scale, model products, developer portal) on OpenShift' `
    --icon "$Root\installer-assets\icons\maas-installer.ico" `
    --license-file "$Root\LICENSE" `
    --input "$Work\input" --main-jar $MainJar --main-class $MainClass `
    --java-options '-XX:TieredStopAtLevel=1' `
    --runtime-image "$Work\runtime" `
    --add-launcher "maas-installer-cli=$Root\jpackage\windows\cli-launcher.properties" `
    --win-upgrade-uuid $UpgradeUuid `
    --win-menu --win-menu-group 'MaaS Installer' `
    --win-shortcut --win-shortcut-prompt `
    --win-dir-chooser `
    --dest $Out
if ($LASTEXITCODE -ne 0) { throw "jpackage failed" }
Remove-Item -Recurse -Force $Work
Get-ChildItem "$Out\*.msi"
