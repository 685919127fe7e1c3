using System.Diagnostics;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.PowerShell.Commands;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cmdlets;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class TestSkyCloudCommandTests : IAsyncLifetime
{
    private GcpWorld _world = null!;

    public async Task InitializeAsync()
    {
        _world = await GcpWorld.StartAsync();
        _world.ServiceAccount("a", "proj", GcpWorld.AllPermissions());
        _world.ServiceAccount("b", "proj", GcpWorld.AllPermissions().Except(["compute.firewalls.create"]));
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private RecordingSink Run(TestSkyCloudCommand command)
    {
        var sink = new RecordingSink();
        using (new ProcessEnvironment(_world.Variables))
        {
            command.Invoke(sink);
        }

        return sink;
    }

    [Fact]
    public void Emits_one_typed_result_per_cloud_with_both_capabilities()
    {
        _world.UseKey("a");

        var sink = Run(new TestSkyCloudCommand());

        sink.Output.Should().HaveCount(KnownClouds.All.Count).And.AllBeOfType<CloudCheckResult>();
        sink.Output.Cast<CloudCheckResult>().Select(r => r.Cloud).Should().Equal(KnownClouds.All);
        var result = (CloudCheckResult)sink.Output[0];
        result.Cloud.Should().Be("gcp");
        result.Enabled.Should().BeTrue();
        result.Summary.Should().Be("enabled [compute, storage]");
        result.FromCache.Should().BeFalse();
        result.Identity.Account.Should().Be("a@proj.iam.gserviceaccount.com");
        result.ToString().Should().Be("GCP: enabled [compute, storage]");
        sink.Errors.Should().BeEmpty();
        sink.Verbose.Should().Contain(v => v.Contains("Checking " + string.Join(", ", KnownClouds.All)));
        sink.Debug.Should().Contain(d => d.Contains(":testIamPermissions -> 200"));
    }

    [Fact]
    public void Every_write_happens_on_the_pipeline_thread()
    {
        _world.UseKey("a");

        var sink = Run(new TestSkyCloudCommand());

        sink.WriteThreadIds.Should().NotBeEmpty().And.OnlyContain(id => id == sink.PipelineThreadId);
    }

    [Fact]
    public void Seed_scenario_reports_compute_disabled_storage_enabled()
    {
        _world.UseKey("b");

        var result = (CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["GCP"] }).Output.Single();

        result.Enabled.Should().BeFalse();
        result.Summary.Should().Be("enabled [storage]");
        result.Compute!.MissingPermissions.Should().Equal("compute.firewalls.create");
    }

    [Fact]
    public void Capability_parameter_limits_the_check()
    {
        _world.UseKey("a");

        var result = (CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["gcp"], Capability = [Capability.Storage] }).Output.Single();

        result.Compute.Should().BeNull();
        result.Storage!.Allowed.Should().BeTrue();
        _world.Server.CountRequests("/compute/").Should().Be(0);
    }

    [Fact]
    public void No_credentials_is_a_result_with_reason_and_hint_not_an_error()
    {
        var sink = Run(new TestSkyCloudCommand { RefreshRequested = true });

        var result = (CloudCheckResult)sink.Output[0];
        sink.Output.Cast<CloudCheckResult>().Single(r => r.Cloud == "nebius").Compute!.Hint.Should().Contain("nebius iam get-access-token");
        sink.Errors.Should().BeEmpty();
        result.Enabled.Should().BeFalse();
        result.Compute!.Status.Should().Be(CheckStatus.NoCredentials);
        result.Compute.Hint.Should().Contain("gcloud auth application-default login");
    }

    [Fact]
    public void Identity_warnings_go_to_the_warning_stream()
    {
        _world.UseKey("a");
        _world.Set("CLOUDSDK_CORE_ACCOUNT", "someone@example.com");

        var sink = Run(new TestSkyCloudCommand());

        sink.Warnings.Should().ContainSingle().Which.Should().StartWith("GCP: gcloud's active account is someone@example.com");
    }

    [Fact]
    public void No_token_or_key_material_reaches_any_stream()
    {
        _world.UseKey("a");

        var sink = Run(new TestSkyCloudCommand());

        var keyJson = File.ReadAllText(_world.KeyPath("a"));
        var privateKeyLine = keyJson.Split("\\n")[1];
        sink.AllText().Should().NotContain(t => t.Contains("fake-") || t.Contains(privateKeyLine));
    }

    [Fact]
    public void Cancel_stops_a_check_in_flight_within_a_second()
    {
        _world.UseKey("a");
        _world.Server.InjectFault(":testIamPermissions", Fault.Slow(TimeSpan.FromSeconds(30)));
        var command = new TestSkyCloudCommand();
        var sink = new RecordingSink();
        Exception? thrown = null;
        var stopwatch = new Stopwatch();
        using (new ProcessEnvironment(_world.Variables))
        {
            var worker = new Thread(() =>
            {
                try
                {
                    command.Invoke(sink);
                }
                catch (Exception e)
                {
                    thrown = e;
                }
            });
            worker.Start();
            SpinWait.SpinUntil(() => _world.Server.CountRequests(":testIamPermissions") > 0, TimeSpan.FromSeconds(10));
            stopwatch.Start();
            command.Cancel();
            worker.Join(TimeSpan.FromSeconds(5)).Should().BeTrue();
        }

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        thrown.Should().BeAssignableTo<OperationCanceledException>();
        sink.Output.Should().BeEmpty();
    }
}
