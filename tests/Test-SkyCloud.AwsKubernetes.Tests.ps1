#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Test-SkyCloud -Cloud aws and -Cloud kubernetes against moto (IAM enforced) and the Kubernetes TLS fake, with identities
# written and switched by the real aws CLI and kubectl, as a user would. Nothing here is skipped: without aws or
# kubectl on the PATH the tests fail (CI checks for both before it starts).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServers.ps1')
    Start-SkyTestServers -With aws, kubernetes

    # A native command that must succeed; its output is returned.
    function Invoke-Cli {
        param([string] $Command, [string[]] $Arguments)
        $output = & $Command @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed ($LASTEXITCODE): $output" }
        $output
    }
}

AfterAll { Stop-SkyTestServers }

Describe 'Test-SkyCloud -Cloud aws' {
    BeforeEach {
        $folder = Join-Path ([IO.Path]::GetTempPath()) ('skyps-pester-aws-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $folder 'credentials'
        $env:AWS_CONFIG_FILE = Join-Path $folder 'config'
        $env:AWS_ENDPOINT_URL = $script:world.aws.endpoint
        $env:AWS_PROFILE = $null
        $env:AWS_DEFAULT_PROFILE = $null
        $env:SKYPILOT_PS_CACHE_DIR = Join-Path $folder 'cache'
        $env:AWS_DEFAULT_REGION = 'us-east-1'
        foreach ($entry in @(@{ Name = 'dev'; User = $script:world.aws.alice }, @{ Name = 'prod'; User = $script:world.aws.bob })) {
            Invoke-Cli aws @('configure', 'set', 'aws_access_key_id', $entry.User.accessKeyId, '--profile', $entry.Name)
            Invoke-Cli aws @('configure', 'set', 'aws_secret_access_key', $entry.User.secretAccessKey, '--profile', $entry.Name)
        }
    }

    AfterEach {
        foreach ($name in 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_ENDPOINT_URL', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_DEFAULT_REGION') {
            Remove-Item "env:$name" -ErrorAction SilentlyContinue
        }
        Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'serves a cached result while AWS_PROFILE stays, and a switch with the real CLI profile is a miss showing the missing permission' {
        $env:AWS_PROFILE = 'dev'
        $first = Test-SkyCloud -Cloud aws
        $again = Test-SkyCloud -Cloud aws

        $env:AWS_PROFILE = 'prod'
        $cache = Get-SkyCache -Cloud aws
        $after = Test-SkyCloud -Cloud aws

        $first.Compute.Allowed | Should -BeTrue -Because $first.Compute.Reason
        $first.Identity.Account | Should -Be $script:world.aws.alice.arn
        $again.FromCache | Should -BeTrue
        $cache.InvalidReason | Should -Contain 'profile changed: dev → prod'
        $after.FromCache | Should -BeFalse
        $after.Identity.Account | Should -Be $script:world.aws.bob.arn
        $after.Identity.Configuration | Should -Be 'prod'
        $after.Compute.Allowed | Should -BeFalse
        $after.Compute.MissingPermissions | Should -Be @('ec2:RunInstances')
        $after.Compute.Reason | Should -Not -BeNullOrEmpty
        $after.Compute.Hint | Should -Match 'docs.skypilot.co'
        $after.Storage.Allowed | Should -BeTrue
    }

    It 'resolves AWS_DEFAULT_PROFILE before AWS_PROFILE, as the aws CLI does' {
        $env:AWS_PROFILE = 'dev'
        (Test-SkyCloud -Cloud aws).Compute.Allowed | Should -BeTrue

        $env:AWS_DEFAULT_PROFILE = 'prod'
        $cliArn = Invoke-Cli aws @('sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text')
        $identity = Get-SkyCloudIdentity -Cloud aws
        $after = Test-SkyCloud -Cloud aws

        $cliArn | Should -Be $script:world.aws.bob.arn
        $identity.Configuration | Should -Be 'prod'
        $after.FromCache | Should -BeFalse
        $after.Identity.Account | Should -Be $cliArn
        $after.Compute.MissingPermissions | Should -Be @('ec2:RunInstances')
    }

    It 'treats keys rotated at the same path by aws configure set as a new identity' {
        $env:AWS_PROFILE = 'dev'
        (Test-SkyCloud -Cloud aws).Compute.Allowed | Should -BeTrue

        Invoke-Cli aws @('configure', 'set', 'aws_access_key_id', $script:world.aws.bob.accessKeyId, '--profile', 'dev')
        Invoke-Cli aws @('configure', 'set', 'aws_secret_access_key', $script:world.aws.bob.secretAccessKey, '--profile', 'dev')
        $after = Test-SkyCloud -Cloud aws

        $after.FromCache | Should -BeFalse
        $after.Identity.Account | Should -Be $script:world.aws.bob.arn
        $after.Compute.Allowed | Should -BeFalse
    }

    It 'shows the secret nowhere in the result or the table' {
        $env:AWS_PROFILE = 'dev'
        $text = (Test-SkyCloud -Cloud aws | Format-List * | Out-String) + (Get-SkyCloudIdentity -Cloud aws | Format-List * | Out-String)
        $text | Should -Not -Match ([regex]::Escape($script:world.aws.alice.secretAccessKey))
    }
}

Describe 'Test-SkyCloud -Cloud kubernetes' {
    BeforeEach {
        $folder = Join-Path ([IO.Path]::GetTempPath()) ('skyps-pester-k8s-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $env:KUBECONFIG = Join-Path $folder 'kubeconfig'
        $env:SKYPILOT_PS_CACHE_DIR = Join-Path $folder 'cache'
        $k8s = $script:world.kubernetes
        Invoke-Cli kubectl @('config', 'set-cluster', 'fake', "--server=$($k8s.server)", "--certificate-authority=$($k8s.caFile)", '--embed-certs=true')
        foreach ($user in @(@{ Name = 'alice'; Token = $k8s.aliceToken }, @{ Name = 'bob'; Token = $k8s.bobToken })) {
            Invoke-Cli kubectl @('config', 'set-credentials', $user.Name, "--token=$($user.Token)")
            Invoke-Cli kubectl @('config', 'set-context', "team-$($user.Name)", '--cluster=fake', "--user=$($user.Name)", '--namespace=default')
        }
        Invoke-Cli kubectl @('config', 'use-context', 'team-alice')
    }

    AfterEach {
        $env:KUBECONFIG = $null
        Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'serves a cached result while the context stays, and kubectl config use-context is a miss showing the missing verb' {
        $first = Test-SkyCloud -Cloud kubernetes
        $again = Test-SkyCloud -Cloud kubernetes

        Invoke-Cli kubectl @('config', 'use-context', 'team-bob')
        $canI = & kubectl auth can-i create pods -n default 2>&1
        $cache = Get-SkyCache -Cloud kubernetes
        $after = Test-SkyCloud k8s

        $first.Compute.Allowed | Should -BeTrue -Because $first.Compute.Reason
        $first.Identity.DisplayName | Should -Be 'alice [context=team-alice, namespace=default]'
        $first.Storage.Status | Should -Be 'NotApplicable'
        $again.FromCache | Should -BeTrue
        "$canI" | Should -Match '^no'
        $cache.InvalidReason | Should -Contain 'context changed: team-alice → team-bob'
        $after.FromCache | Should -BeFalse
        $after.Identity.DisplayName | Should -Be 'bob [context=team-bob, namespace=default]'
        $after.Compute.Allowed | Should -BeFalse
        $after.Compute.MissingPermissions | Should -Be @('create pods')
        $after.Compute.Reason | Should -Not -BeNullOrEmpty
        $after.Compute.Hint | Should -Match ([regex]::Escape('kubectl auth can-i create pods -n default --context team-bob'))
    }

    It 'treats a token rotated in the same context by kubectl as a new identity' {
        (Test-SkyCloud -Cloud kubernetes).Compute.Allowed | Should -BeTrue

        Invoke-Cli kubectl @('config', 'set-credentials', 'alice', "--token=$($script:world.kubernetes.bobToken)")
        $after = Test-SkyCloud -Cloud kubernetes

        $after.FromCache | Should -BeFalse
        $after.Compute.MissingPermissions | Should -Be @('create pods')
    }

    It 'says why when the kubeconfig is gone, with a hint, not an error' {
        Remove-Item $env:KUBECONFIG
        $result = Test-SkyCloud -Cloud kubernetes -ErrorVariable errors

        $errors | Should -BeNullOrEmpty
        $result.Enabled | Should -BeFalse
        $result.Compute.Reason | Should -Not -BeNullOrEmpty
        $result.Compute.Hint | Should -Not -BeNullOrEmpty
    }
}
