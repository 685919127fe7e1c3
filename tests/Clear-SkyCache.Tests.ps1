#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Get-SkyCache / Clear-SkyCache end to end against the loopback servers. Run with: ./build.ps1 -Task Test

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
}

AfterAll { Stop-SkyTestServers }

Describe 'The identity-aware cache' {
    BeforeEach {
        Clear-SkyCache -Confirm:$false
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
    }

    It 'serves the second check from the cache' {
        (Test-SkyCloud gcp).FromCache | Should -BeFalse
        (Test-SkyCloud gcp).FromCache | Should -BeTrue
        (Test-SkyCloud gcp -Refresh).FromCache | Should -BeFalse
    }

    It 'never serves a result made for another identity' {
        Test-SkyCloud gcp | Out-Null
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.storageOnly
        $result = Test-SkyCloud gcp
        $result.FromCache | Should -BeFalse
        $result.Compute.Allowed | Should -BeFalse
        $stale = Get-SkyCache -Cloud gcp | Where-Object { -not $_.IsValid }
        $stale | Should -Not -BeNullOrEmpty
        $stale[0].InvalidReason | Should -Match '^account changed'
    }

    It 'Clear-SkyCache -WhatIf removes nothing' {
        Test-SkyCloud gcp | Out-Null
        $before = @(Get-SkyCache).Count
        Clear-SkyCache -WhatIf
        @(Get-SkyCache).Count | Should -Be $before
    }

    It 'clears exactly what is piped to it' {
        Test-SkyCloud gcp | Out-Null
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.storageOnly
        Test-SkyCloud gcp | Out-Null
        $removed = Get-SkyCache | Where-Object { -not $_.IsValid } | Clear-SkyCache -Confirm:$false -PassThru
        $removed | Should -Not -BeNullOrEmpty
        Get-SkyCache | ForEach-Object { $_.IsValid | Should -BeTrue }
    }

    It 'warns once about a damaged cache file, shows nothing from it, and the next check replaces it' {
        $file = Join-Path $env:SKYPILOT_PS_CACHE_DIR 'powershell-check-cache.json'
        New-Item -ItemType Directory -Force -Path $env:SKYPILOT_PS_CACHE_DIR | Out-Null
        Set-Content -LiteralPath $file -Value '{ this is not json'
        $entries = Get-SkyCache -WarningVariable warned -WarningAction SilentlyContinue
        $entries | Should -BeNullOrEmpty
        $warned | Should -Not -BeNullOrEmpty
        "$warned" | Should -Match 'is damaged'
        $result = Test-SkyCloud gcp -WarningVariable checkWarned -WarningAction SilentlyContinue
        $result.FromCache | Should -BeFalse
        @($checkWarned | Where-Object { "$_" -match 'is damaged' }).Count | Should -Be 1 -Because 'a check that reads the file and then rebuilds it says so once'
        @(Get-SkyCache -WarningVariable afterWarned).Count | Should -BeGreaterThan 0
        $afterWarned | Should -BeNullOrEmpty
    }
}
