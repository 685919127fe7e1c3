// Speed figures for BENCHMARKS.md.
//   dotnet run -c Release --project benchmarks/SkyPilot.Benchmarks -- micro      (BenchmarkDotNet: identity, cache, warm four-cloud check)
//   dotnet run -c Release --project benchmarks/SkyPilot.Benchmarks -- check      (loopback round trips, against gcloud)
//   dotnet run -c Release --project benchmarks/SkyPilot.Benchmarks -- staging    (uploads, against gcloud storage cp)
//   dotnet run -c Release --project benchmarks/SkyPilot.Benchmarks -- aws        (cold AWS check against moto, against aws sts get-caller-identity)
//   dotnet run -c Release --project benchmarks/SkyPilot.Benchmarks -- engine     (import and first call through the real pwsh)
using BenchmarkDotNet.Running;
using SkyPilot.Benchmarks;

var mode = args.FirstOrDefault() ?? "check";
switch (mode)
{
    case "micro":
        // RunAll ignores --filter; Run honours it and, given no filter, would ask on the console which to run.
        var microArgs = args.Skip(1).ToArray();
        if (!microArgs.Contains("--filter"))
        {
            microArgs = [.. microArgs, "--filter", "*"];
        }

        BenchmarkSwitcher.FromTypes([typeof(IdentityBenchmarks), typeof(CacheBenchmarks), typeof(FourCloudBenchmarks)]).Run(microArgs);
        break;
    case "staging":
        await StagingBenchmark.RunAsync(args.Skip(1).ToArray());
        break;
    case "engine":
        await EngineBenchmark.RunAsync(args.Skip(1).ToArray());
        break;
    case "aws":
        await AwsCheckBenchmark.RunAsync(args.Skip(1).ToArray());
        break;
    case "check":
        await CheckBenchmark.RunAsync(args.Skip(1).ToArray());
        break;
    default:
        Console.Error.WriteLine("usage: SkyPilot.Benchmarks micro|check|aws|staging|engine");
        return 2;
}

return 0;
