#Requires -Version 5.1
<#
.SYNOPSIS
    Builds SkyPilot.PowerShell into out/SkyPilot.PowerShell, runs its tests, or packages it.
.EXAMPLE
    ./build.ps1                 # build and stage the module folder
.EXAMPLE
    ./build.ps1 -Task Test      # build, run the xunit suites, then the Pester suite (Pester from NuGet)
.EXAMPLE
    ./build.ps1 -Task Package   # build and produce out/packages/SkyPilot.PowerShell.<version>.nupkg
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# This PowerShell again, for a child process: pwsh itself, or `dotnet <PSHOME>/pwsh.dll` under the local tool
# (`dotnet pwsh`), where this process is the dotnet host.
function Get-PwshCommand {
    $self = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return @($self, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($self)
}

# Pester comes from NuGet (the version pinned by the PackageDownload in the runspace test project), never from the
# PowerShell Gallery, which locked-down agents cannot reach. It runs in a child process of this same PowerShell, so a
# loaded module dll never blocks the next build.
function Invoke-PesterSuite {
    $project = [xml](Get-Content (Join-Path $PSScriptRoot 'tests/SkyPilot.PowerShell.Tests/SkyPilot.PowerShell.Tests.csproj') -Raw)
    $version = ($project.Project.ItemGroup.PackageDownload | Where-Object Include -eq 'Pester').Version.Trim('[', ']')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else {
        ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $pester = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { throw "Pester $version is not in $packages (restore the solution first: dotnet restore)" }
    # The whole suite in one Pester run in one process, as a user's long session would import the staged module once:
    # each file's AfterAll puts back what its BeforeAll changed (tests/TestServers.ps1), so no file depends on running
    # first. A skipped, inconclusive or not-run test fails the suite too: on CI every test must run.
    # The files of tests/ itself: nothing under tests/firebase-storage/node_modules or another subfolder can join in.
    $files = (Get-ChildItem (Join-Path $PSScriptRoot 'tests') -Filter '*.Tests.ps1' -File | Sort-Object Name | ForEach-Object { "'$($_.FullName -replace "'", "''")'" }) -join ', '
    $shell = @(Get-PwshCommand)
    $script = "Import-Module '$pester'; `$c = New-PesterConfiguration; `$c.Run.Path = @($files); " +
        "`$c.Run.Exit = `$true; `$c.Run.PassThru = `$true; `$c.Output.Verbosity = 'Detailed'; `$r = Invoke-Pester -Configuration `$c; " +
        "if (`$r.SkippedCount + `$r.InconclusiveCount + `$r.NotRunCount -gt 0) { Write-Host ('Pester: ' + `$r.SkippedCount + ' skipped, ' + `$r.InconclusiveCount + ' inconclusive, ' + `$r.NotRunCount + ' not run'); exit 1 }"
    & $shell[0] @($shell | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | Out-Host
    return $LASTEXITCODE -eq 0
}

# 'dotnet build' also stages out/SkyPilot.PowerShell (see src/SkyPilot.PowerShell/SkyPilot.PowerShell.csproj).
Invoke-Native dotnet @('build', 'SkyPilot.PowerShell.sln', '-c', $Configuration)
$module = Join-Path $PSScriptRoot 'out/SkyPilot.PowerShell'
Write-Host "Module staged in $module"

switch ($Task) {
    'Test' {
        # Both suites run even when the first fails, so one run shows every failure; the task fails if either did.
        & dotnet test SkyPilot.PowerShell.sln -c $Configuration --no-build
        $xunitFailed = $LASTEXITCODE -ne 0
        $pesterFailed = -not (Invoke-PesterSuite)
        if ($xunitFailed -or $pesterFailed) {
            throw "Tests failed: xunit $(if ($xunitFailed) { 'FAILED' } else { 'passed' }), Pester $(if ($pesterFailed) { 'FAILED' } else { 'passed' })"
        }
    }
    'Package' {
        # The module folder as a .nupkg, for Publish-PSResource -NupkgPath to a feed (PowerShellGet v3).
        $packages = Join-Path $PSScriptRoot 'out/packages'
        Invoke-Native dotnet @('pack', 'build/package/SkyPilot.PowerShell.Package.csproj', '-c', $Configuration, '-o', $packages)
        Get-ChildItem $packages -Filter *.nupkg | ForEach-Object { Write-Host "Package: $($_.FullName)" }
    }
}
