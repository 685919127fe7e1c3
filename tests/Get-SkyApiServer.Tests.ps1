#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Get-SkyApiServer end to end against the loopback SkyPilot API server.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
}

AfterAll { Stop-SkyTestServers }

Describe 'Get-SkyApiServer' {
    AfterEach { $env:SKYPILOT_SERVICE_ACCOUNT_TOKEN = $null }

    It 'describes the server, where its endpoint came from, and that this module supports it' {
        $server = Get-SkyApiServer -ErrorAction Stop

        $server.Endpoint | Should -BeLike "$($script:world.skypilotApi)*"
        $server.EndpointSource | Should -BeLike '*SKYPILOT_API_SERVER_ENDPOINT*'
        $server.ApiVersion | Should -BeGreaterOrEqual 24
        $server.Supported | Should -BeTrue
        $server.IsRemote | Should -BeFalse
        $server.Auth | Should -Be 'none'
    }

    It 'names the auth in use and never shows the token' {
        $token = 'sky_' + [guid]::NewGuid().ToString('N')
        $env:SKYPILOT_SERVICE_ACCOUNT_TOKEN = $token

        $server = Get-SkyApiServer -ErrorAction Stop

        $server.Auth | Should -Be 'service-account token'
        ($server | Format-List * | Out-String) | Should -Not -BeLike "*$token*"
    }

    It 'reports a server that does not answer as ApiServerUnreachable' {
        Get-SkyApiServer -Endpoint 'http://127.0.0.1:1' -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'ApiServerUnreachable,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }
}
