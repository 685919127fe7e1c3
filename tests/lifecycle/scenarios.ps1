# Module lifecycle scenarios, each run in a fresh process (what one process has loaded would hide the failure in the
# next). Usage: pwsh -NoProfile -File scenarios.ps1 -Scenario <name>. Prints 'every cmdlet loads' when the module
# survived; throws otherwise. Run from xunit (ModuleLifecycleTests) and Pester (Lifecycle.Tests.ps1).
param([Parameter(Mandatory)] [string] $Scenario)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Invoke-EveryCmdlet.ps1')
$folder = Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) 'out/SkyPilot.PowerShell'
$manifest = Join-Path $folder 'SkyPilot.PowerShell.psd1'

switch ($Scenario) {
    'ForceBeforeUse' {
        Import-Module $manifest; Import-Module $manifest -Force
        Invoke-EveryCmdlet
    }
    'ForceAfterUse' {
        Import-Module $manifest; Get-SkyCloudIdentity -Cloud gcp | Out-Null; Import-Module $manifest -Force
        Invoke-EveryCmdlet
    }
    'RemoveThenImport' {
        Import-Module $manifest; Remove-Module SkyPilot.PowerShell; Import-Module $manifest
        Invoke-EveryCmdlet
    }
    'OtherRunspaceRemoves' {
        Import-Module $manifest
        $runspace = [runspacefactory]::CreateRunspace(); $runspace.Open()
        $shell = [powershell]::Create(); $shell.Runspace = $runspace
        $null = $shell.AddScript('param($m) Import-Module $m; Get-SkyCache | Out-Null; Remove-Module SkyPilot.PowerShell').AddArgument($manifest).Invoke()
        if ($shell.HadErrors) { throw "second runspace: $($shell.Streams.Error)" }
        $runspace.Dispose()
        Invoke-EveryCmdlet
    }
    'TwoCopies' {
        $copy = Join-Path ([IO.Path]::GetTempPath()) ('skyps-copy-' + [guid]::NewGuid().ToString('N'))
        Copy-Item -Recurse $folder (Join-Path $copy 'SkyPilot.PowerShell')
        Import-Module $manifest; Get-SkyCache | Out-Null
        # The module has no types file (serialization depth is set per written object), so PowerShell has nothing to
        # refuse when a second copy from another path is imported over the first: the import succeeds and every cmdlet
        # works. (Remove-Module first to be sure which copy's code runs; the next scenario line does.)
        Import-Module (Join-Path $copy 'SkyPilot.PowerShell/SkyPilot.PowerShell.psd1') -Force -ErrorAction Stop
        Invoke-EveryCmdlet
        Remove-Module SkyPilot.PowerShell; Import-Module (Join-Path $copy 'SkyPilot.PowerShell/SkyPilot.PowerShell.psd1')
        if ((Get-Module SkyPilot.PowerShell).ModuleBase -notlike "$copy*") { throw 'the second copy did not load after Remove-Module' }
        Invoke-EveryCmdlet
        Remove-Module SkyPilot.PowerShell; Remove-Item -Recurse -Force $copy -ErrorAction SilentlyContinue
    }
    'ForEachParallel' {
        $results = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:manifest
            . (Join-Path $using:PSScriptRoot 'Invoke-EveryCmdlet.ps1')
            Invoke-EveryCmdlet
            Remove-Module SkyPilot.PowerShell
        }
        if (@($results).Count -ne 4) { throw "parallel runspaces returned $(@($results).Count) of 4" }
        Import-Module $manifest; Invoke-EveryCmdlet
    }
    'ThreadJob' {
        $job = Start-ThreadJob { Import-Module $using:manifest; . (Join-Path $using:PSScriptRoot 'Invoke-EveryCmdlet.ps1'); Invoke-EveryCmdlet }
        $job | Receive-Job -Wait -AutoRemoveJob
        Import-Module $manifest; Invoke-EveryCmdlet
    }
    'AutoLoad' {
        $env:PSModulePath = (Split-Path $folder -Parent) + [IO.Path]::PathSeparator + $env:PSModulePath
        if (Get-Module SkyPilot.PowerShell) { throw 'already imported' }
        Get-SkyCloudIdentity -Cloud gcp | Out-Null   # no Import-Module: PowerShell finds it on PSModulePath
        if (-not (Get-Module SkyPilot.PowerShell)) { throw 'not auto-loaded' }
        Invoke-EveryCmdlet
    }
    'Requires' {
        $env:PSModulePath = (Split-Path $folder -Parent) + [IO.Path]::PathSeparator + $env:PSModulePath
        $script = Join-Path ([IO.Path]::GetTempPath()) ('skyps-requires-' + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content $script "#Requires -Modules SkyPilot.PowerShell`n. '$(Join-Path $PSScriptRoot 'Invoke-EveryCmdlet.ps1')'`nInvoke-EveryCmdlet"
        & $script
        Remove-Item $script
    }
    'StartJob' {
        # A new pwsh process: the output comes back serialized (see the serialization tests for its shape).
        $job = Start-Job { Import-Module $using:manifest; . (Join-Path $using:PSScriptRoot 'Invoke-EveryCmdlet.ps1'); Invoke-EveryCmdlet }
        $job | Receive-Job -Wait -AutoRemoveJob
    }
    default { throw "unknown scenario $Scenario" }
}
