#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Submit-SkyJob, Get-SkyJob and Stop-SkyJob end to end against the loopback Google and SkyPilot API servers.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers
    $script:project = Join-Path $script:world.home 'project'
    New-Item -ItemType Directory -Force -Path (Join-Path $script:project 'src') | Out-Null
    Set-Content -Path (Join-Path $script:project 'src/train.py') -Value 'print("hi")'
    Set-Content -Path (Join-Path $script:project 'task.yaml') -Value "name: pester-train`nworkdir: ./src`nresources:`n  infra: gcp`nrun: python train.py`n"
    Push-Location $script:project
}

AfterAll {
    Pop-Location
    Stop-SkyTestServers
}

Describe 'Submit-SkyJob' {
    BeforeEach { $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.full }

    It 'stages the workdir and submits a managed job' {
        $job = Submit-SkyJob ./task.yaml
        $job.JobId | Should -BeGreaterThan 0
        $job.Name | Should -Be 'pester-train'
        $job.BucketPrefix | Should -BeLike 'gs://demo-jobs/pester/job-*'
    }

    It 'shows the plan with -WhatIf and submits nothing' {
        $before = @(Get-SkyJob).Count
        Submit-SkyJob ./task.yaml -WhatIf
        @(Get-SkyJob).Count | Should -Be $before
    }

    It 'refuses a job the identity cannot run, before uploading anything' {
        $env:GOOGLE_APPLICATION_CREDENTIALS = $script:world.keys.storageOnly
        Submit-SkyJob ./task.yaml -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'PrecheckFailed*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure[0].ErrorDetails.RecommendedAction | Should -Match 'roles/compute.admin'
    }

    It 'waits for the job to end with -Wait' {
        $job = Submit-SkyJob ./task.yaml -Wait -ErrorAction Stop
        $job.Status | Should -Be 'SUCCEEDED'
        $job.IsTerminal | Should -BeTrue
    }

    It 'reports a malformed task with its line' {
        Set-Content -Path ./bad.yaml -Value "run: [unclosed"
        { Submit-SkyJob ./bad.yaml -ErrorAction Stop } | Should -Throw -ExpectedMessage '*bad.yaml:*'
    }
}

Describe 'Get-SkyJob and Stop-SkyJob' {
    It 'lists jobs and cancels them through the pipeline' {
        $jobs = Get-SkyJob -Name 'pester-*'
        $jobs | Should -Not -BeNullOrEmpty
        $jobs | Stop-SkyJob -WhatIf
        $cancelled = $jobs | Where-Object { -not $_.IsTerminal } | Stop-SkyJob -Confirm:$false -PassThru
        $cancelled | ForEach-Object { $_.Status | Should -BeIn 'CANCELLING', 'CANCELLED' }
    }

    It 'Stop-SkyJob reports a job that does not exist as ObjectNotFound and cancels nothing' {
        Stop-SkyJob -JobId 999999 -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound*'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'Get-SkyJob reports a server that does not answer as ApiServerUnreachable, with a hint' {
        Get-SkyJob -Endpoint 'http://127.0.0.1:1' -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'ApiServerUnreachable*'
        $failure[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failure[0].ErrorDetails.RecommendedAction | Should -Match 'sky api start'
    }
}
