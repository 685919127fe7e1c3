# Module lifecycle through the real pwsh, each scenario in a fresh process (tests/lifecycle/scenarios.ps1); Start-Job
# is here rather than in xunit because it starts a pwsh executable, which an SDK-hosted runspace does not have.
Describe 'Module lifecycle' {
    BeforeAll {
        # This PowerShell in a child process: pwsh itself, or `dotnet pwsh.dll` under the local tool (`dotnet pwsh`).
        $self = (Get-Process -Id $PID).Path
        $script:pwsh = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { @($self, (Join-Path $PSHOME 'pwsh.dll')) } else { @($self) }
        $script:scenarios = Join-Path $PSScriptRoot 'lifecycle/scenarios.ps1'
    }

    It 'keeps every cmdlet working: <_>' -ForEach @('ForceBeforeUse', 'ForceAfterUse', 'RemoveThenImport', 'OtherRunspaceRemoves',
        'TwoCopies', 'ForEachParallel', 'ThreadJob', 'AutoLoad', 'Requires', 'StartJob') {
        $output = & $script:pwsh[0] @($script:pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $script:scenarios -Scenario $_ 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output -join "`n" | Should -Match 'every cmdlet loads'
    }
}
