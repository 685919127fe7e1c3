using System.Net.Http;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Tests.Errors;

/// <summary>The one error model: what a user can reach from a Core failure is redacted, and its id and kind are stable.</summary>
public sealed class SkyExceptionTests
{
    private static readonly string Token = "ya29." + Guid.NewGuid().ToString("N"); // generated: never a committed token

    public static TheoryData<SkyException> Failures() => new()
    {
        new ServiceUnreachableException("SkyPilot API GET /api/health", "https://alice:hunter2@api.example", "Authorization: Bearer " + Token, new HttpRequestException("access_token=" + Token)),
        new SkyApiException(SkyApiFailure.RequestFailed, "the request failed: access_token=" + Token, "retry", inner: new InvalidOperationException(Token)),
        new StagingFailedException("upload of a.py failed: " + Token, "retry", "a.py", 0, 1, "gs://b/job-1", new HttpRequestException(Token)),
        new InvalidSettingException("-Endpoint is not a URL", "-Endpoint", "https://alice:hunter2@api.example", "Give a URL."),
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_shows_no_credential_and_no_inner_exception(SkyException failure)
    {
        failure.Message.Should().NotContain(Token).And.NotContain("hunter2");
        failure.InnerException.Should().BeNull("an inner exception's text did not pass the redactor");
        (failure.Target?.ToString() ?? string.Empty).Should().NotContain("hunter2");
        failure.ErrorId.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void The_cause_stays_reachable_for_Core_classification()
    {
        var tls = new System.Security.Authentication.AuthenticationException("untrusted root");
        var failure = new ServiceUnreachableException("list pods", "https://k8s", "SSL failed", new HttpRequestException("SSL", tls));

        SkyException.Chain(failure).Should().Contain(tls);
    }

    [Theory]
    [InlineData(SkyApiFailure.NotFound, "JobNotFound", SkyErrorKind.NotFound)]
    [InlineData(SkyApiFailure.LaunchOutcomeUnknown, "LaunchOutcomeUnknown", SkyErrorKind.OutcomeUnknown)]
    [InlineData(SkyApiFailure.Unreachable, "ApiServerUnreachable", SkyErrorKind.Unreachable)]
    [InlineData(SkyApiFailure.BadResponse, "ApiServerBadResponse", SkyErrorKind.BadResult)]
    public void An_API_failure_has_the_id_and_kind_of_its_failure(SkyApiFailure failure, string id, SkyErrorKind kind)
    {
        var e = new SkyApiException(failure, "m", "h");

        e.ErrorId.Should().Be(id);
        e.Kind.Should().Be(kind);
    }
}
