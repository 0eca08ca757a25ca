# BlenderFarm build script for Windows: the mirror of build.sh, same verbs, same steps.
#
#   .\build.ps1 deps            check for what is missing (the .NET 10 SDK, Blender)
#   .\build.ps1 build           build everything (Release)
#   .\build.ps1 test            check what is missing, build, run the whole test suite
#   .\build.ps1 demo [ARGS]     render the bundled demo scene on this machine's slots
#   .\build.ps1 bench [ARGS]    run the benchmark (docs/benchmarks.md)
#   .\build.ps1 package [ARGS]  build the Blender add-on zips (coordinator inside) into artifacts/ (packaging/package.py)
#   .\build.ps1 run ARGS        run the blenderfarm CLI with ARGS
#   .\build.ps1 clean           remove build output
param([string]$Verb = "build", [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @())
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot

$Solution = "BlenderFarmAddon.sln"
$CliProject = "coordinator/BlenderFarm.Coordinator"
$Configuration = "Release"
$env:DOTNET_CLI_TELEMETRY_OPTOUT = "1"; $env:DOTNET_NOLOGO = "1"; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = "1"

function Invoke-Checked { & $args[0] $args[1..($args.Count - 1)]; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } }

function Deps {
  if (-not (Get-Command dotnet -ErrorAction SilentlyContinue) -or -not ((dotnet --list-sdks) -match '^10\.')) {
    Write-Error "build.ps1: install the .NET 10 SDK (winget install Microsoft.DotNet.SDK.10) and run this again."
  }
  if (-not (Get-Command blender -ErrorAction SilentlyContinue) -and -not $env:BLENDERFARM_BLENDER -and
      -not (Test-Path "$env:ProgramFiles\Blender Foundation")) {
    Write-Host "build.ps1: installing Blender"
    Invoke-Checked winget install --silent BlenderFoundation.Blender
  }
  # The add-on's UI test runs Blender under a virtual X server (Linux only; elsewhere it is skipped).
  if ($IsLinux -and (-not (Get-Command xvfb-run -ErrorAction SilentlyContinue) -or -not (Get-Command xauth -ErrorAction SilentlyContinue))) {
    Write-Host "build.ps1: installing xvfb, xauth and libgl1-mesa-dri for the add-on's UI test"
    Invoke-Checked sudo apt-get install -y xvfb xauth libgl1-mesa-dri
  }
}

function Test-Deps {
  # The tests run real OpenSSH servers on loopback addresses as stand-ins for worker hosts.
  if (-not (Get-Command ssh-keygen -ErrorAction SilentlyContinue)) {
    Write-Error "build.ps1: the tests need OpenSSH (Add-WindowsCapability -Online -Name OpenSSH.Server~~~~0.0.1.0)."
  }
  # Each fake spot instance's interruption watcher asks its (fake) instance metadata with curl, as on EC2.
  if (-not (Get-Command curl -ErrorAction SilentlyContinue)) {
    Write-Error "build.ps1: the AWS tests need curl (winget install cURL.cURL)."
  }
}

# Python 3 runs the add-on's unit tests and the packaging script: python, else the py launcher.
function Python { if (Get-Command python -ErrorAction SilentlyContinue) { "python" } elseif (Get-Command py -ErrorAction SilentlyContinue) { "py" } else { Write-Error "build.ps1: install Python 3 (winget install Python.Python.3.12) and run this again." } }

function Build { Invoke-Checked dotnet build $Solution -c $Configuration -nologo -v quiet }

function Run-Tests {
  Deps; Test-Deps; Build
  # The add-on's pure parts (no Blender): python -m unittest, reported like a test project.
  $py = & (Python) -m unittest discover -s tests/addon -t . -p "test_*.py" 2>&1 | Tee-Object -Variable pyLines
  $pyStatus = $LASTEXITCODE
  $ran = ($pyLines | Select-String '^Ran (\d+) tests' | Select-Object -First 1)
  $pyCount = if ($ran) { [int]$ran.Matches[0].Groups[1].Value } else { 0 }
  $pySummary = if ($pyStatus -eq 0) { "Passed!  - Failed:     0, Passed: $pyCount, Skipped: 0 - add-on unit tests (python)" } else { "Failed!  - Failed: 1, Passed: 0, Skipped: 0 - add-on unit tests (python, see above)" }
  Write-Host $pySummary
  $log = dotnet test $Solution -c $Configuration --no-build -nologo 2>&1 | Tee-Object -Variable lines
  $status = $LASTEXITCODE
  if ($pyStatus -ne 0) { $status = $pyStatus }
  $lines = @($pySummary) + $lines
  $p = 0; $f = 0; $s = 0
  foreach ($line in $lines) {
    if ("$line" -match '(Passed|Failed)! +- +Failed: +(\d+), Passed: +(\d+), Skipped: +(\d+)') {
      $f += [int]$Matches[2]; $p += [int]$Matches[3]; $s += [int]$Matches[4]
    }
  }
  Write-Host "$p passed, $f failed, $s skipped"
  exit $status
}

switch ($Verb) {
  "deps"  { Deps }
  "build" { Build }
  "test"  { Run-Tests }
  "demo"  { Deps; Build; Invoke-Checked dotnet run --project $CliProject -c $Configuration --no-build -- demo @Rest }
  "bench" { Deps; Build; Invoke-Checked dotnet run --project $CliProject -c $Configuration --no-build -- bench @Rest }
  "package" { Deps; Invoke-Checked (Python) packaging/package.py @Rest }
  "run"   { Build; Invoke-Checked dotnet run --project $CliProject -c $Configuration --no-build -- @Rest }
  "clean" { Invoke-Checked dotnet clean $Solution -c $Configuration -nologo -v quiet
            Get-ChildItem -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force }
  default { Write-Error "build.ps1: unknown verb '$Verb' (deps, build, test, demo, bench, package, run, clean)"; exit 2 }
}
