# Runs every exported cmdlet once in a form that needs no server and fails if one of them cannot reach the module's
# Core (the failure a load-context module shows after re-import: "Could not load file or assembly 'SkyPilot.Core'").
# Dot-source it; the module must already be imported (or auto-loadable).
function Invoke-EveryCmdlet {
    $home_ = Join-Path ([IO.Path]::GetTempPath()) ('skyps-life-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $home_ | Out-Null
    $env:HOME = $home_
    $env:USERPROFILE = $home_
    $env:CLOUDSDK_CONFIG = Join-Path $home_ 'gcloud'
    $env:SKYPILOT_PS_CACHE_DIR = Join-Path $home_ 'cache'
    $env:SKYPILOT_API_SERVER_ENDPOINT = 'http://127.0.0.1:9'   # the discard port: refused at once, no waiting
    $env:GOOGLE_APPLICATION_CREDENTIALS = $null
    $task = Join-Path $home_ 'task.yaml'
    Set-Content -Path $task -Value "name: life`nrun: echo hi"
    $calls = [ordered]@{
        'Get-SkyCloudIdentity'       = { Get-SkyCloudIdentity -Cloud gcp }
        'Get-SkyCache'               = { Get-SkyCache }
        'Clear-SkyCache'             = { Clear-SkyCache -WhatIf }
        'Test-SkyCloud'              = { Test-SkyCloud -Cloud gcp }
        'Update-SkyNebiusCredential' = { Update-SkyNebiusCredential }
        'Submit-SkyJob'              = { Submit-SkyJob -Path $task -WhatIf }
        'Get-SkyJob'                 = { Get-SkyJob }
        'Stop-SkyJob'                = { Stop-SkyJob -JobId 1 -WhatIf }
    }
    foreach ($name in (Get-Command -Module SkyPilot.PowerShell).Name) {
        if (-not $calls.Contains($name)) { $calls[$name] = [scriptblock]::Create("$name -ErrorAction SilentlyContinue") }
    }
    foreach ($entry in $calls.GetEnumerator()) {
        $errors = @()
        try { & $entry.Value -ErrorAction SilentlyContinue -ErrorVariable +errors 2>$null | Out-Null } catch { $errors += $_ }
        foreach ($e in $errors) {
            $text = "$($e.FullyQualifiedErrorId) $($e.Exception.GetType().FullName) $($e.Exception.Message)"
            if ($text -match 'Could not load|FileNotFoundException|FileLoadException|TypeLoadException|TypeInitialization|MissingMethod') {
                throw "$($entry.Key) cannot load the module's code: $text"
            }
        }
    }
    Remove-Item -Recurse -Force $home_ -ErrorAction SilentlyContinue
    'every cmdlet loads'
}
