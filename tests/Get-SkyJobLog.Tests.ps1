#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Get-SkyJobLog end to end against the loopback servers: lines as strings, pipeline input, a failed job, a missing one.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
}

AfterAll { Stop-SkyTestServers }

Describe 'Get-SkyJobLog' {
    It 'writes the job''s log lines as strings, colours removed' {
        $job = Submit-SkyTestJob 'pester-log' | Wait-SkyJob
        Send-SkyTestServerCommand "log $($job.JobId) \e[32mepoch 1\e[0m"
        Send-SkyTestServerCommand "log $($job.JobId) epoch 2"

        $lines = Get-SkyJobLog -JobId $job.JobId -ErrorAction Stop

        $lines | Should -Be @('epoch 1', 'epoch 2')
        $lines | ForEach-Object { $_ | Should -BeOfType [string] }
    }

    It 'takes the job from Get-SkyJob through the pipeline' {
        $job = Submit-SkyTestJob 'pester-log-piped' | Wait-SkyJob
        Send-SkyTestServerCommand "log $($job.JobId) piped line"

        Get-SkyJob -JobId $job.JobId | Get-SkyJobLog -ErrorAction Stop | Should -Be 'piped line'
    }

    It 'ends a failed job''s log with a JobFailed error, so -ErrorAction Stop fails a CI step' {
        Send-SkyTestServerCommand 'next-job-fails FAILED exit code 1'
        $job = Submit-SkyTestJob 'pester-log-failed'
        $job | Wait-SkyJob -ErrorAction SilentlyContinue | Out-Null
        Send-SkyTestServerCommand "log $($job.JobId) Traceback: boom"

        $lines = Get-SkyJobLog -JobId $job.JobId -ErrorVariable failure -ErrorAction SilentlyContinue

        $lines | Should -Be 'Traceback: boom'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobFailed,*'
        { Get-SkyJobLog -JobId $job.JobId -ErrorAction Stop } | Should -Throw -ErrorId 'JobFailed,SkyPilot.PowerShell.Commands.GetSkyJobLogCommand'
    }

    It 'reports a job that does not exist as ObjectNotFound' {
        $null = Get-SkyJobLog -JobId 987654 -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
