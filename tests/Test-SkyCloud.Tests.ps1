#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# End-to-end tests of the built module against the loopback servers of tests/SkyPilot.TestServers.
# Run with: ./build.ps1 -Task Test   (needs pwsh and Pester 5)

BeforeAll {
    $root = Split-Path $PSScriptRoot -Parent
    Import-Module (Join-Path $root 'out/SkyPilot.PowerShell/SkyPilot.PowerShell.psd1') -Force

    $serverDll = Get-ChildItem (Join-Path $root 'tests/SkyPilot.TestServers/bin') -Recurse -Filter SkyPilot.TestServers.dll | Select-Object -First 1
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet', "`"$($serverDll.FullName)`"")
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $script:servers = [System.Diagnostics.Process]::Start($info)
    $script:world = $script:servers.StandardOutput.ReadLine() | ConvertFrom-Json

    $script:saved = @{}
    foreach ($name in 'HOME', 'CLOUDSDK_CONFIG', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT', 'CLOUDSDK_ACTIVE_CONFIG_NAME',
        'CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER', 'CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE', 'CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE') {
        $script:saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    foreach ($property in $script:world.env.PSObject.Properties) {
        [Environment]::SetEnvironmentVariable($property.Name, $property.Value)
    }
}

AfterAll {
    foreach ($entry in $script:saved.GetEnumerator()) {
        [Environment]::SetEnvironmentVariable($entry.Key, $entry.Value)
    }
    if ($script:servers) {
        $script:servers.StandardInput.Close()
        $script:servers.WaitForExit(5000) | Out-Null
    }
}

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
        { Test-SkyCloud -Cloud azurr -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Valid clouds: gcp*'
    }

    It 'limits the check to the requested capability' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        $result = Test-SkyCloud -Capability Storage
        $result.Compute | Should -BeNullOrEmpty
        $result.Storage.Allowed | Should -BeTrue
    }

    It 'formats as a table that reads like sky check' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full
        $text = Test-SkyCloud gcp | Out-String
        $text | Should -Match 'GCP'
        $text | Should -Match 'enabled \[compute, storage\]'
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
}
