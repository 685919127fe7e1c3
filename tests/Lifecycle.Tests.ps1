# Module lifecycle through the real pwsh, each scenario in a fresh process (tests/lifecycle/scenarios.ps1); Start-Job
# is here rather than in xunit because it starts a pwsh executable, which an SDK-hosted runspace does not have.
Describe 'Module lifecycle' {
    BeforeAll {
        $script:pwsh = (Get-Process -Id $PID).Path
        $script:scenarios = Join-Path $PSScriptRoot 'lifecycle/scenarios.ps1'
    }

    It 'keeps every cmdlet working: <_>' -ForEach @('ForceBeforeUse', 'ForceAfterUse', 'RemoveThenImport', 'OtherRunspaceRemoves',
        'TwoCopies', 'ForEachParallel', 'ThreadJob', 'AutoLoad', 'Requires', 'StartJob') {
        $output = & $script:pwsh -NoProfile -NonInteractive -File $script:scenarios -Scenario $_ 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output -join "`n" | Should -Match 'every cmdlet loads'
    }
}
