#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Wait-SkyJob end to end against the loopback servers: the final state, by name, a failed job, a timeout.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
}

AfterAll { Stop-SkyTestServers }

Describe 'Wait-SkyJob' {
    It 'emits the job in its final state, from Submit-SkyJob through the pipeline' {
        $job = Submit-SkyTestJob 'pester-wait' | Wait-SkyJob -ErrorAction Stop

        $job.Status | Should -Be 'SUCCEEDED'
        $job.IsTerminal | Should -BeTrue
    }

    It 'waits for the newest job of a name' {
        $submitted = Submit-SkyTestJob 'pester-wait-named'

        $job = Wait-SkyJob -Name 'pester-wait-named' -ErrorAction Stop

        $job.JobId | Should -Be $submitted.JobId
        $job.Status | Should -Be 'SUCCEEDED'
    }

    It 'emits a failed job and a JobFailed error with the failure reason' {
        Send-SkyTestServerCommand 'next-job-fails FAILED_SETUP pip install failed'
        $submitted = Submit-SkyTestJob 'pester-wait-failed'

        $job = $submitted | Wait-SkyJob -ErrorVariable failure -ErrorAction SilentlyContinue

        $job.Status | Should -Be 'FAILED_SETUP'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobFailed,*'
        $failure[0].Exception.Message | Should -BeLike '*pip install failed*'
    }

    It 'says the job is still running after -Timeout' {
        Send-SkyTestServerCommand 'next-job-runs'
        $submitted = Submit-SkyTestJob 'pester-wait-running'

        $submitted | Wait-SkyJob -Timeout 1 -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobWaitTimeout,*'
        $failure[0].Exception.Message | Should -BeLike '*still RUNNING*'
        Stop-SkyJob -JobId $submitted.JobId -Confirm:$false
    }
}
