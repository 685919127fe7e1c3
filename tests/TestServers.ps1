# Shared by the Pester files: starts tests/SkyPilot.TestServers (loopback Google and Nebius; with -With aws, kubernetes
# also moto and the Kubernetes TLS fake), imports the built module, and points the environment at the servers; the
# user's own AWS and Kubernetes variables are cleared. Dot-source it in BeforeAll; Stop-SkyTestServers in AfterAll puts
# every variable back as it was, unset ones unset, so the files can run one after another in one session.

# The variables the files set or clear.
$script:skyTestVariables = @('HOME', 'CLOUDSDK_CONFIG', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT',
    'CLOUDSDK_ACTIVE_CONFIG_NAME', 'CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER', 'CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE',
    'CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE', 'NEBIUS_ENDPOINT', 'NEBIUS_IAM_TOKEN', 'SKYPILOT_PS_CACHE_DIR',
    'SKYPILOT_API_SERVER_ENDPOINT', 'SKYPILOT_PS_API_SERVER_LOCATION', 'SKYPILOT_SERVICE_ACCOUNT_TOKEN', 'SKYPILOT_PS_JOB_POLL_SECONDS',
    'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL',
    'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'KUBECONFIG')

# Sets a variable, or removes it for $null. Not [Environment]::SetEnvironmentVariable($name, $null): PowerShell passes
# $null to a string parameter as "", and .NET keeps an empty variable, so "unset" would come back as "set to empty"
# (an empty AWS_PROFILE makes moto's botocore fail with ProfileNotFound: HTTP 500 on the first EC2 call). $Value is
# untyped for the same reason.
function Set-SkyTestVariable([string] $Name, $Value) {
    if ($null -eq $Value) { Remove-Item "env:$Name" -ErrorAction SilentlyContinue } else { Set-Item "env:$Name" $Value }
}

function Start-SkyTestServers {
    param([ValidateSet('aws', 'kubernetes')] [string[]] $With = @())
    $root = Split-Path $PSScriptRoot -Parent
    Import-Module (Join-Path $root 'out/SkyPilot.PowerShell/SkyPilot.PowerShell.psd1') -Force

    $serverDll = Get-ChildItem (Join-Path $root 'tests/SkyPilot.TestServers/bin') -Recurse -Filter SkyPilot.TestServers.dll |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet', "`"$($serverDll.FullName)`" $($With -join ' ')")
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    # The servers (moto's botocore above all) see none of the caller's AWS, Kubernetes or cloud settings; HOME stays.
    foreach ($name in $script:skyTestVariables) { if ($name -ne 'HOME') { $null = $info.Environment.Remove($name) } }
    $script:servers = [System.Diagnostics.Process]::Start($info)
    $script:world = $script:servers.StandardOutput.ReadLine() | ConvertFrom-Json

    $script:saved = @{}
    foreach ($name in $script:skyTestVariables) {
        $script:saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Set-SkyTestVariable $name $null
    }
    foreach ($property in $script:world.env.PSObject.Properties) {
        Set-SkyTestVariable $property.Name $property.Value
    }
}

# Sends one command to the fake API server (see tests/SkyPilot.TestServers/Program.cs) and waits for its "ok".
function Send-SkyTestServerCommand([string] $Command) {
    $script:servers.StandardInput.WriteLine($Command)
    $script:servers.StandardInput.Flush()
    $null = $script:servers.StandardOutput.ReadLine()
}

# Submits a task that stages nothing (so only the API server and the compute check are involved) and returns the job.
function Submit-SkyTestJob([string] $Name) {
    $task = Join-Path $script:world.home "$Name.yaml"
    Set-Content -LiteralPath $task -Value "name: $Name`nresources:`n  infra: gcp`nrun: echo $Name`n"
    Submit-SkyJob -LiteralPath $task -ErrorAction Stop
}

function Stop-SkyTestServers {
    foreach ($entry in $script:saved.GetEnumerator()) {
        Set-SkyTestVariable $entry.Key $entry.Value
    }
    if ($script:servers) {
        $script:servers.StandardInput.Close()
        $script:servers.WaitForExit(5000) | Out-Null
    }
}
