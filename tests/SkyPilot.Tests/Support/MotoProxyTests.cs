using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Support;

/// <summary>
/// A test class on the class's moto, with a private AWS world whose every request goes through a recording,
/// fault-injecting proxy; with <see cref="WithApiServer"/>, also a loopback API server that has AWS enabled, for
/// tests that submit jobs.
/// </summary>
public abstract class MotoProxyTests<TFixture> : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : MotoFixture
{
    protected MotoProxyTests(TFixture moto)
    {
        Moto = moto;
        World = new AwsWorld(moto.Endpoint);
    }

    protected TFixture Moto { get; }

    protected AwsWorld World { get; }

    protected RecordingLog Log { get; } = new();

    protected AwsFaultProxy Proxy { get; private set; } = null!;

    /// <summary>Null unless <see cref="WithApiServer"/>.</summary>
    protected FakeSkyPilotApiServer Api { get; private set; } = null!;

    protected virtual bool WithApiServer => false;

    public async Task InitializeAsync()
    {
        Proxy = await AwsFaultProxy.StartAsync(Moto.Endpoint);
        World.Set("AWS_ENDPOINT_URL", Proxy.Endpoint);
        if (WithApiServer)
        {
            Api = await FakeSkyPilotApiServer.StartAsync();
            Api.SetCachedCloud("AWS", "compute", "storage");
            World.Set("SKYPILOT_API_SERVER_ENDPOINT", Api.BaseUrl);
            World.Set("SKYPILOT_PS_API_SERVER_LOCATION", "local");
            World.WriteFile(".sky/config.yaml", "{}\n");
        }
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        World.Dispose();
    }

    /// <summary>The submitter the cmdlets build, on this world, and its plan of the task at <paramref name="taskPath"/> (in the folder "project").</summary>
    protected (JobSubmitter Submitter, SubmitPlan Plan) Submit(string taskPath)
    {
        var env = World.Environment();
        var submitter = new JobSubmitter(CloudCheckService.CreateDefault(env, Log), SharedHttpClient.Instance, Log);
        return (submitter, submitter.Plan(TaskParser.ParseFile(taskPath, World.Temp.Combine("project")), null, env, default));
    }
}
