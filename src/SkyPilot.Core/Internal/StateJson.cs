using System.Collections.Generic;
using System.Text.Json.Serialization;
using SkyPilot.Core.Api;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Core.Internal
{
    /// <summary>
    /// How the module's own state files are (de)serialized: System.Text.Json with generated code, no reflection. The
    /// check cache is read at the start of every call in a new session; a reflection-based serializer compiled several
    /// hundred methods and emitted accessors there first (BENCHMARKS.md), where generated code is a few dozen methods and
    /// System.Text.Json itself comes precompiled with .NET.
    /// </summary>
    [JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
    [JsonSerializable(typeof(CacheFileModel))]
    [JsonSerializable(typeof(StoredEntry))]
    [JsonSerializable(typeof(AdcAccountStore.AccountsModel))]
    [JsonSerializable(typeof(StateList<JobHistory.Entry>.Model), TypeInfoPropertyName = "JobHistoryFile")]
    [JsonSerializable(typeof(StateList<PendingLaunches.Entry>.Model), TypeInfoPropertyName = "PendingLaunchesFile")]
    [JsonSerializable(typeof(StateList<ServerCheckMemory.Entry>.Model), TypeInfoPropertyName = "ServerCheckMemoryFile")]
    [JsonSerializable(typeof(JobHistory.Entry), TypeInfoPropertyName = "JobHistoryEntry")]
    [JsonSerializable(typeof(List<JobHistory.Entry>), TypeInfoPropertyName = "JobHistoryEntries")]
    [JsonSerializable(typeof(PendingLaunches.Entry), TypeInfoPropertyName = "PendingLaunchEntry")]
    [JsonSerializable(typeof(List<PendingLaunches.Entry>), TypeInfoPropertyName = "PendingLaunchEntries")]
    [JsonSerializable(typeof(ServerCheckMemory.Entry), TypeInfoPropertyName = "ServerCheckEntry")]
    [JsonSerializable(typeof(List<ServerCheckMemory.Entry>), TypeInfoPropertyName = "ServerCheckEntries")]
    internal sealed partial class StateJson : JsonSerializerContext
    {
    }
}
