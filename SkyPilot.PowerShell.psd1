@{
    RootModule           = 'SkyPilot.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c2e-7a51-4c57-9a8e-2f4d8d3e6c11'
    Author               = 'SkyPilot.PowerShell contributors'
    CompanyName          = 'SkyPilot.PowerShell'
    Copyright            = '(c) SkyPilot.PowerShell contributors. Apache License 2.0.'
    Description          = 'SkyPilot cloud checks and managed-job submission for PowerShell: separate compute and storage checks, an identity-aware cache, credentials read when used.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FormatsToProcess     = @('SkyPilot.PowerShell.Format.ps1xml')
    CmdletsToExport      = @(
        'Test-SkyCloud'
        'Get-SkyCloudIdentity'
        'Get-SkyCache'
        'Clear-SkyCache'
        'Update-SkyNebiusCredential'
        'Submit-SkyJob'
        'Get-SkyJob'
        'Stop-SkyJob'
        'Get-SkyJobLog'
        'Wait-SkyJob'
        'Get-SkyApiServer'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('SkyPilot', 'GCP', 'Cloud', 'Nebius', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/skypilot-powershell/SkyPilot.PowerShell'
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = 'Separate compute and storage checks for GCP and Nebius with an identity-aware cache; Nebius credentials read when used; Submit-SkyJob prechecks every access before staging anything.'
        }
    }
}
