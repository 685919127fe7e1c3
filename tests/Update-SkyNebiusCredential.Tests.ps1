#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Nebius checks and Update-SkyNebiusCredential end to end against the loopback gRPC server.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
    $script:nebiusDir = Join-Path $env:HOME '.nebius'
    New-Item -ItemType Directory -Force -Path $script:nebiusDir | Out-Null
    Set-Content -Path (Join-Path $script:nebiusDir 'NEBIUS_TENANT_ID.txt') -Value $script:world.nebius.tenant
}

AfterAll { Stop-SkyTestServers }

Describe 'Nebius' {
    It 'sees a refreshed token file without a restart' {
        Copy-Item $script:world.nebius.validTokenFile (Join-Path $script:nebiusDir 'NEBIUS_IAM_TOKEN.txt') -Force
        (Test-SkyCloud nebius -Capability Compute).Compute.Allowed | Should -BeTrue

        Copy-Item $script:world.nebius.expiredTokenFile (Join-Path $script:nebiusDir 'NEBIUS_IAM_TOKEN.txt') -Force
        $result = Test-SkyCloud nebius -Capability Compute
        $result.FromCache | Should -BeFalse
        $result.Compute.Allowed | Should -BeFalse
        $result.Compute.Reason | Should -Match 'expired'
    }

    It 'writes a validated token owner-only and never echoes it' {
        $token = Get-Content $script:world.nebius.validTokenFile -Raw
        $secure = ConvertTo-SecureString $token -AsPlainText -Force
        $status = Update-SkyNebiusCredential -Token $secure -Confirm:$false -Verbose 4>&1 | Tee-Object -Variable all |
            Where-Object { $_.PSObject.TypeNames -contains 'SkyPilot.Core.Nebius.NebiusCredentialStatus' }
        $status.Valid | Should -BeTrue
        ($all | Out-String) | Should -Not -Match ([regex]::Escape($token.Trim()))
        if (-not $IsWindows) {
            (Get-Item (Join-Path $script:nebiusDir 'NEBIUS_IAM_TOKEN.txt')).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'refuses a rejected token and keeps the old file' {
        $before = Get-FileHash (Join-Path $script:nebiusDir 'NEBIUS_IAM_TOKEN.txt')
        $expired = ConvertTo-SecureString (Get-Content $script:world.nebius.expiredTokenFile -Raw) -AsPlainText -Force
        Update-SkyNebiusCredential -Token $expired -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure.FullyQualifiedErrorId | Should -Match '^CredentialRejectedApi'
        (Get-FileHash (Join-Path $script:nebiusDir 'NEBIUS_IAM_TOKEN.txt')).Hash | Should -Be $before.Hash
    }
}
