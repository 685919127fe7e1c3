#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# End-to-end tests of the built module against the loopback servers of tests/SkyPilot.TestServers.
# Run with: ./build.ps1 -Task Test   (needs pwsh and Pester 5)

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
}

AfterAll { Stop-SkyTestServers }

Describe 'Test-SkyCloud' {
    It 'reports GCP enabled for both capabilities with the full service account' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        $result = Test-SkyCloud -Cloud gcp
        $result.Cloud | Should -Be 'gcp'
        $result.Enabled | Should -BeTrue
        $result.Compute.Status | Should -Be 'Allowed'
        $result.Storage.Status | Should -Be 'Allowed'
        $result.Identity.Account | Should -Be 'full@demo-project.iam.gserviceaccount.com'
    }

    It 'separates storage from compute for a storage-only identity' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.storageOnly
        $result = Test-SkyCloud gcp
        $result.Storage.Allowed | Should -BeTrue
        $result.Compute.Status | Should -Be 'MissingPermissions'
        $result.Compute.MissingPermissions | Should -Contain 'compute.firewalls.create'
        $result.Compute.Hint | Should -Match 'roles/compute.admin'
    }

    It 'returns a result with a hint, not an error, when credentials are missing' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = Join-Path $script:world.home 'missing.json'
        $result = Test-SkyCloud -Cloud gcp -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $result.Enabled | Should -BeFalse
        $result.Compute.Status | Should -Be 'NoCredentials'
        $result.Compute.Hint | Should -Not -BeNullOrEmpty
    }

    It 'rejects an unknown cloud with the valid names' {
        { Test-SkyCloud -Cloud azurr -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Valid clouds: aws, gcp, kubernetes, nebius*'
    }

    It 'limits the check to the requested capability' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        $result = Test-SkyCloud -Cloud gcp -Capability Storage
        $result.Compute | Should -BeNullOrEmpty
        $result.Storage.Allowed | Should -BeTrue
    }

    It 'formats as an 80-column table with the compute and storage status, the cache and the identity' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        $text = Test-SkyCloud gcp | Out-String -Width 80
        $text | Should -Match 'GCP\s+Allowed\s+Allowed\s+(yes|no)\s+\S+@'
        $text | Should -Match 'project_id='
        $text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 } | Should -BeNullOrEmpty
    }

    It 'answers a CI step in one line with -Quiet' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        Test-SkyCloud gcp -Capability Compute -Quiet | Should -BeExactly $true
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.storageOnly
        Test-SkyCloud gcp -Capability Compute -Quiet | Should -BeExactly $false
    }
}

Describe 'Get-SkyCloudIdentity' {
    It 'shows the identity without calling any API' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        $identity = Get-SkyCloudIdentity -Cloud gcp
        $identity.Account | Should -Be 'full@demo-project.iam.gserviceaccount.com'
        $identity.Project | Should -Be 'demo-project'
        $identity.CredentialType | Should -Be 'service_account'
    }

    It 'names a credential file that does not exist, with a hint, without an error' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = Join-Path $script:world.home 'no-such-key.json'
        $identity = Get-SkyCloudIdentity -Cloud gcp -ErrorVariable failure
        $failure | Should -BeNullOrEmpty
        $identity.Problem | Should -Match 'does not exist'
        $identity.Hint | Should -Match 'GOOGLE_APPLICATION_CREDENTIALS'
    }
}
