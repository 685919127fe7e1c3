#Requires -Version 5.1
<#
.SYNOPSIS
    Builds SkyPilot.PowerShell into out/SkyPilot.PowerShell, runs its tests, or packages it.
.EXAMPLE
    ./build.ps1                 # build and stage the module folder
.EXAMPLE
    ./build.ps1 -Task Test      # build, run the xunit suite, then the Pester suite
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

# 'dotnet build' also stages out/SkyPilot.PowerShell (see src/SkyPilot.PowerShell/SkyPilot.PowerShell.csproj).
Invoke-Native dotnet @('build', 'SkyPilot.PowerShell.sln', '-c', $Configuration)
$module = Join-Path $PSScriptRoot 'out/SkyPilot.PowerShell'
Write-Host "Module staged in $module"

switch ($Task) {
    'Test' {
        Invoke-Native dotnet @('test', 'SkyPilot.PowerShell.sln', '-c', $Configuration, '--no-build')
        if (-not (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0')) {
            throw 'Pester 5 is required for the Pester suite: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser'
        }
        # Pester imports the module in a child process so a loaded dll never blocks the next build.
        $script = "Import-Module Pester -MinimumVersion 5.0; `$c = New-PesterConfiguration; `$c.Run.Path = '$PSScriptRoot/tests'; `$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"
        $shell = if ($PSVersionTable.PSEdition -eq 'Core') { 'pwsh' } else { 'powershell' }
        Invoke-Native $shell @('-NoProfile', '-NonInteractive', '-Command', $script)
    }
    'Package' {
        # The module folder as a .nupkg for Publish-PSResource -NupkgPath / Install-PSResource (PowerShellGet v3).
        $packages = Join-Path $PSScriptRoot 'out/packages'
        Invoke-Native dotnet @('pack', 'build/package/SkyPilot.PowerShell.Package.csproj', '-c', $Configuration, '-o', $packages)
        Get-ChildItem $packages -Filter *.nupkg | ForEach-Object { Write-Host "Package: $($_.FullName)" }
    }
}
