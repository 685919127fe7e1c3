namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Where <c>Get-Help -Online</c> goes: each cmdlet's help page in this module's repository (the same Markdown the
    /// module's MAML help is generated from). The manifest's ProjectUri names the same repository.
    /// </summary>
    internal static class HelpLinks
    {
        public const string Project = "https://github.com/skypilot-powershell/SkyPilot.PowerShell";

        private const string Help = Project + "/blob/main/docs/help/";

        public const string TestSkyCloud = Help + "Test-SkyCloud.md";
        public const string GetSkyCloudIdentity = Help + "Get-SkyCloudIdentity.md";
        public const string GetSkyCache = Help + "Get-SkyCache.md";
        public const string ClearSkyCache = Help + "Clear-SkyCache.md";
        public const string UpdateSkyNebiusCredential = Help + "Update-SkyNebiusCredential.md";
        public const string SubmitSkyJob = Help + "Submit-SkyJob.md";
        public const string GetSkyJob = Help + "Get-SkyJob.md";
        public const string StopSkyJob = Help + "Stop-SkyJob.md";
        public const string WaitSkyJob = Help + "Wait-SkyJob.md";
        public const string GetSkyJobLog = Help + "Get-SkyJobLog.md";
        public const string GetSkyApiServer = Help + "Get-SkyApiServer.md";
    }
}
