using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Nebius;

/// <summary>
/// The Nebius IAM fake (real grpcio) checked with a minimal in-test h2c gRPC caller and hand-encoded protobuf,
/// independent of the product's Nebius client. One server for the class.
/// </summary>
public sealed class NebiusFakeServerTests : IClassFixture<NebiusFakeServerTests.Fixture>
{
    private const string TenantA = "tenant-e00aaaaaaaaaaaaaaa";
    private const string TenantB = "tenant-e00bbbbbbbbbbbbbbb";
    private const string ServiceAccountId = "serviceaccount-e00sssssssssssssss";
    private const string KeyId = "publickey-e00kkkkkkkkkkkkkkk";

    private readonly Fixture _fixture;

    public NebiusFakeServerTests(Fixture fixture)
    {
        _fixture = fixture;
    }

    private NebiusGrpcServer Server => _fixture.Server;

    [Fact]
    public async Task List_returns_the_projects_of_the_tokens_tenant()
    {
        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), _fixture.UserToken);

        reply.HttpStatus.Should().Be(HttpStatusCode.OK);
        reply.Version.Should().Be(HttpVersion.Version20);
        reply.ContentType.Should().StartWith("application/grpc");
        reply.Status.Should().Be(0);
        reply.StatusInTrailers.Should().BeTrue("a successful call ends with trailers after the message");
        reply.Messages.Should().ContainSingle();
        var items = Pb.Messages(reply.Messages[0], 1).Select(container => Pb.Messages(container, 1).Single()).ToList();
        items.Select(m => Pb.String(m, 1)).Should().Equal("project-e00one", "project-e00two");
        items.Select(m => Pb.String(m, 2)).Should().AllBe(TenantA);
        items.Select(m => Pb.String(m, 3)).Should().Equal("default", "second");
        Pb.String(reply.Messages[0], 2).Should().BeEmpty("there is no next page");
    }

    [Fact]
    public async Task List_pages_with_page_size_and_page_token()
    {
        var first = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA, pageSize: 1), _fixture.UserToken);
        first.Status.Should().Be(0);
        Pb.Messages(first.Messages[0], 1).Should().HaveCount(1);
        var next = Pb.String(first.Messages[0], 2);
        next.Should().NotBeEmpty();

        var second = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA, pageSize: 1, pageToken: next), _fixture.UserToken);
        second.Status.Should().Be(0);
        Pb.String(Pb.Messages(Pb.Messages(second.Messages[0], 1).Single(), 1).Single(), 1).Should().Be("project-e00two");
        Pb.String(second.Messages[0], 2).Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_missing_or_unknown_token_is_unauthenticated_in_a_trailers_only_response(bool sendUnknownToken)
    {
        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), sendUnknownToken ? "v0.unknown-" + Guid.NewGuid().ToString("N") : null);

        reply.HttpStatus.Should().Be(HttpStatusCode.OK);
        reply.Status.Should().Be(16);
        reply.Message.Should().Be("invalid token");
        reply.StatusInTrailers.Should().BeFalse("grpcio answers an error before any message trailers-only: grpc-status is in the headers");
        reply.Body.Should().BeEmpty();
    }

    [Fact]
    public async Task An_expired_token_is_unauthenticated_and_says_so()
    {
        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), _fixture.ExpiredToken);

        reply.Status.Should().Be(16);
        reply.Message.Should().Contain("expired");
    }

    [Fact]
    public async Task An_empty_parent_id_is_an_invalid_argument()
    {
        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(string.Empty), _fixture.UserToken);

        reply.Status.Should().Be(3);
        reply.Message.Should().Contain("parent_id");
    }

    [Fact]
    public async Task Another_known_tenant_is_permission_denied()
    {
        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantB), _fixture.UserToken);

        reply.Status.Should().Be(7);
        reply.Message.Should().Contain(TenantB);
        var own = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantB), _fixture.OtherTenantToken);
        own.Status.Should().Be(0);
    }

    [Fact]
    public async Task An_unknown_tenant_is_not_found()
    {
        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest("tenant-e00nosuchtenant"), _fixture.UserToken);

        reply.Status.Should().Be(5);
        reply.Message.Should().Contain("not found");
    }

    [Fact]
    public async Task A_malformed_message_is_internal_and_an_unknown_method_unimplemented()
    {
        var malformed = await CallAsync(NebiusGrpcServer.ProjectServiceList, [0x0A, 0x05, 0x61], _fixture.UserToken);
        malformed.Status.Should().Be(13);

        var unknown = await CallAsync("/nebius.iam.v1.TenantService/List", [], _fixture.UserToken);
        unknown.Status.Should().Be(12);
    }

    [Fact]
    public async Task Profile_of_a_user_has_the_email_and_tenants()
    {
        var reply = await CallAsync(NebiusGrpcServer.ProfileServiceGet, [], _fixture.UserToken);

        reply.Status.Should().Be(0);
        var user = Pb.Messages(reply.Messages[0], 1).Single();
        Pb.Messages(reply.Messages[0], 2).Should().BeEmpty();
        Pb.String(user, 1).Should().Be("useraccount-e00alice");
        Pb.String(Pb.Messages(user, 3).Single(), 6).Should().Be("alice@example.com");
        var tenant = Pb.Messages(user, 5).Single();
        Pb.String(tenant, 1).Should().Be(TenantA);
        Pb.String(tenant, 2).Should().StartWith("tenantuseraccount-");
    }

    [Fact]
    public async Task Exchange_issues_a_token_for_a_correctly_signed_jwt_and_the_token_works()
    {
        await Server.SetTokenLifetimeAsync(TimeSpan.FromMinutes(90));
        var reply = await CallAsync(NebiusGrpcServer.TokenExchangeServiceExchange, ExchangeRequest(Jwt(_fixture.ServiceAccountKey)), token: null);

        reply.Status.Should().Be(0);
        var response = reply.Messages.Single();
        var accessToken = Pb.String(response, 1);
        accessToken.Should().NotBeEmpty();
        Pb.String(response, 2).Should().Be("urn:ietf:params:oauth:token-type:access_token");
        Pb.String(response, 3).Should().Be("Bearer");
        Pb.Varint(response, 4).Should().Be(5400);

        var profile = await CallAsync(NebiusGrpcServer.ProfileServiceGet, [], accessToken);
        profile.Status.Should().Be(0);
        var serviceAccount = Pb.Messages(profile.Messages[0], 2).Single();
        var metadata = Pb.Messages(Pb.Messages(serviceAccount, 1).Single(), 1).Single();
        Pb.String(metadata, 1).Should().Be(ServiceAccountId);
        Pb.String(metadata, 2).Should().Be(TenantA);

        var list = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), accessToken);
        list.Status.Should().Be(0);
        Pb.Messages(list.Messages[0], 1).Should().HaveCount(2);
    }

    [Fact]
    public async Task Exchange_with_a_zero_lifetime_issues_a_token_that_is_already_expired()
    {
        await Server.SetTokenLifetimeAsync(TimeSpan.Zero);
        try
        {
            var reply = await CallAsync(NebiusGrpcServer.TokenExchangeServiceExchange, ExchangeRequest(Jwt(_fixture.ServiceAccountKey)), token: null);
            reply.Status.Should().Be(0);
            Pb.Varint(reply.Messages[0], 4).Should().Be(0);

            var list = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), Pb.String(reply.Messages[0], 1));
            list.Status.Should().Be(16);
            list.Message.Should().Contain("expired");
        }
        finally
        {
            await Server.SetTokenLifetimeAsync(TimeSpan.FromHours(12));
        }
    }

    public static TheoryData<string, int, string> BadJwts => new()
    {
        { "signed by another key", 16, "signature" },
        { "unknown kid", 16, "key" },
        { "expired", 16, "expired" },
        { "iss is not sub", 16, "iss" },
        { "HS256", 16, "RS256" },
        { "not a jwt", 3, "JWT" },
        { "wrong grant type", 3, "grant_type" },
        { "wrong subject token type", 3, "subject_token_type" },
    };

    [Theory]
    [MemberData(nameof(BadJwts))]
    public async Task Exchange_refuses_a_bad_subject_token(string problem, int expectedStatus, string messageFragment)
    {
        var key = _fixture.ServiceAccountKey;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var grantType = "urn:ietf:params:oauth:grant-type:token-exchange";
        var subjectType = "urn:ietf:params:oauth:token-type:jwt";
        string jwt;
        switch (problem)
        {
            case "signed by another key":
                using (var other = RSA.Create(2048))
                {
                    jwt = Jwt(other);
                }

                break;
            case "unknown kid":
                jwt = Jwt(key, kid: "publickey-e00unknown");
                break;
            case "expired":
                jwt = Jwt(key, exp: now - 60);
                break;
            case "iss is not sub":
                jwt = Jwt(key, iss: "serviceaccount-e00someoneelse");
                break;
            case "HS256":
                jwt = Jwt(key, alg: "HS256");
                break;
            case "not a jwt":
                jwt = "not-a-jwt";
                break;
            case "wrong grant type":
                jwt = Jwt(key);
                grantType = "client_credentials";
                break;
            default:
                jwt = Jwt(key);
                subjectType = "urn:ietf:params:oauth:token-type:access_token";
                break;
        }

        var reply = await CallAsync(NebiusGrpcServer.TokenExchangeServiceExchange, ExchangeRequest(jwt, grantType, subjectType), token: null);

        reply.Status.Should().Be(expectedStatus, problem);
        reply.Message.Should().Contain(messageFragment);
        reply.Messages.Should().BeEmpty();
    }

    [Fact]
    public async Task Injected_failures_answer_the_next_calls_then_stop()
    {
        await Server.FailNextAsync(NebiusGrpcServer.ProjectServiceList, 14, "backend unavailable: try again", times: 2);

        for (var i = 0; i < 2; i++)
        {
            var failed = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), _fixture.UserToken);
            failed.Status.Should().Be(14);
            failed.Message.Should().Be("backend unavailable: try again", "grpc-message is percent-encoded on the wire and decoded here");
            failed.StatusInTrailers.Should().BeFalse();
        }

        var profile = await CallAsync(NebiusGrpcServer.ProfileServiceGet, [], _fixture.UserToken);
        profile.Status.Should().Be(0, "faults are per method");
        var recovered = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(TenantA), _fixture.UserToken);
        recovered.Status.Should().Be(0);
    }

    [Fact]
    public async Task A_delay_longer_than_grpc_timeout_is_deadline_exceeded()
    {
        await Server.DelayNextAsync(NebiusGrpcServer.ProjectServiceList, TimeSpan.FromSeconds(5));
        var watch = Stopwatch.StartNew();

        var reply = await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest("tenant-e00deadline"), _fixture.UserToken, grpcTimeout: "200m");

        watch.Stop();
        reply.Status.Should().Be(4);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
        // The client hears DEADLINE_EXCEEDED from grpcio itself; the delayed handler notices a moment later.
        var call = (await Server.CallsAsync()).Last(c => c.Method == NebiusGrpcServer.ProjectServiceList);
        for (var i = 0; i < 100 && call.StatusCode is null; i++)
        {
            await Task.Delay(20);
            call = (await Server.CallsAsync()).Last(c => c.Method == NebiusGrpcServer.ProjectServiceList);
        }

        call.ParentId.Should().BeNull("the delay happens before the request is looked at");
        call.DeadlineSeconds.Should().BeInRange(0, 0.2);
        call.StatusCode.Should().Be(4);
    }

    [Fact]
    public async Task A_delay_within_the_deadline_still_answers()
    {
        await Server.DelayNextAsync(NebiusGrpcServer.ProfileServiceGet, TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        var reply = await CallAsync(NebiusGrpcServer.ProfileServiceGet, [], _fixture.UserToken, grpcTimeout: "5S");

        watch.Stop();
        reply.Status.Should().Be(0);
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280));
    }

    [Fact]
    public async Task Calls_are_recorded_without_token_values()
    {
        var tenant = "tenant-e00recorded" + Guid.NewGuid().ToString("N")[..8];
        await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(tenant), _fixture.UserToken);
        await CallAsync(NebiusGrpcServer.ProjectServiceList, ListRequest(tenant), token: null);
        await CallAsync(NebiusGrpcServer.TokenExchangeServiceExchange, ExchangeRequest(Jwt(_fixture.ServiceAccountKey)), token: null);

        var calls = await Server.CallsAsync();

        var listed = calls.Where(c => c.ParentId == tenant).ToList();
        listed.Should().ContainSingle();
        listed[0].Method.Should().Be(NebiusGrpcServer.ProjectServiceList);
        listed[0].HadAuthorization.Should().BeTrue();
        listed[0].StatusCode.Should().Be(5);
        listed[0].DeadlineSeconds.Should().BeNull();
        calls[^2].HadAuthorization.Should().BeFalse();
        calls[^2].StatusCode.Should().Be(16);
        calls[^1].Method.Should().Be(NebiusGrpcServer.TokenExchangeServiceExchange);
        calls[^1].KeyId.Should().Be(KeyId);
        calls[^1].StatusCode.Should().Be(0);
        var everything = JsonSerializer.Serialize(calls);
        everything.Should().NotContain(_fixture.UserToken).And.NotContain(_fixture.ExpiredToken);
    }

    [Fact]
    public async Task Control_commands_are_validated()
    {
        var unknownMethod = () => Server.FailNextAsync("/nebius.iam.v1.Nope/List", 14, "x");
        await unknownMethod.Should().ThrowAsync<InvalidOperationException>().WithMessage("*unknown method*");
        var okStatus = () => Server.FailNextAsync(NebiusGrpcServer.ProjectServiceList, 0, "x");
        await okStatus.Should().ThrowAsync<InvalidOperationException>();
    }

    [Fact]
    public async Task Starting_and_stopping_leaves_no_process_behind()
    {
        var server = await NebiusGrpcServer.StartAsync();
        var pid = server.ProcessId;
        server.Endpoint.Should().MatchRegex(@"^http://127\.0\.0\.1:\d+$");
        Process.GetProcessById(pid).HasExited.Should().BeFalse();

        await server.DisposeAsync();

        IsRunning(pid).Should().BeFalse();
        var afterStop = await CallAsync(server.Endpoint, NebiusGrpcServer.ProfileServiceGet, [], null, null, expectConnection: false);
        afterStop.Should().BeNull("nothing listens on the port any more");
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // ---- a minimal gRPC caller: h2c POST, 5-byte frame prefix, status from trailers or (trailers-only) headers ----

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    private async Task<GrpcReply> CallAsync(string method, byte[] message, string? token, string? grpcTimeout = null) =>
        (await CallAsync(Server.Endpoint, method, message, token, grpcTimeout, expectConnection: true))!;

    private static async Task<GrpcReply?> CallAsync(string endpoint, string method, byte[] message, string? token, string? grpcTimeout, bool expectConnection)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint + method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token != null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        }

        if (grpcTimeout != null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", grpcTimeout);
        }

        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException) when (!expectConnection)
        {
            return null;
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync();
            var inTrailers = response.TrailingHeaders.TryGetValues("grpc-status", out var trailerStatus);
            var status = inTrailers ? trailerStatus : response.Headers.TryGetValues("grpc-status", out var headerStatus) ? headerStatus : null;
            var messageHeaders = inTrailers ? response.TrailingHeaders : response.Headers;
            var grpcMessage = messageHeaders.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.First()) : null;

            var frames = new List<byte[]>();
            for (var offset = 0; offset < body.Length;)
            {
                body[offset].Should().Be(0, "the fake does not compress");
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1, 4));
                frames.Add(body.AsSpan(offset + 5, length).ToArray());
                offset += 5 + length;
            }

            return new GrpcReply(
                response.StatusCode,
                response.Version,
                response.Content.Headers.ContentType?.MediaType,
                status is null ? -1 : int.Parse(status.First()),
                grpcMessage,
                inTrailers,
                body,
                frames);
        }
    }

    private sealed record GrpcReply(HttpStatusCode HttpStatus, Version Version, string? ContentType, int Status, string? Message, bool StatusInTrailers, byte[] Body, List<byte[]> Messages);

    private static byte[] ListRequest(string parentId, long pageSize = 0, string pageToken = "") =>
        [.. Pb.String(1, parentId), .. Pb.Int(2, pageSize), .. Pb.String(3, pageToken)];

    private static byte[] ExchangeRequest(
        string subjectToken,
        string grantType = "urn:ietf:params:oauth:grant-type:token-exchange",
        string subjectTokenType = "urn:ietf:params:oauth:token-type:jwt") =>
        [
            .. Pb.String(1, grantType),
            .. Pb.String(2, "urn:ietf:params:oauth:token-type:access_token"),
            .. Pb.String(3, subjectToken),
            .. Pb.String(4, subjectTokenType),
        ];

    private static string Jwt(RSA key, string kid = KeyId, string iss = ServiceAccountId, long? exp = null, string alg = "RS256")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = kid }));
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = iss,
            ["sub"] = ServiceAccountId,
            ["iat"] = now,
            ["exp"] = exp ?? now + 300,
        }));
        var signature = key.SignData(Encoding.ASCII.GetBytes(header + "." + claims), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + claims + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Just enough protobuf: varint and length-delimited fields.</summary>
    private static class Pb
    {
        public static byte[] String(int field, string value) =>
            value.Length == 0 ? [] : Bytes(field, Encoding.UTF8.GetBytes(value));

        public static byte[] Int(int field, long value) =>
            value == 0 ? [] : [.. Varint((ulong)(field << 3)), .. Varint((ulong)value)];

        public static string String(byte[] message, int field) =>
            Fields(message).LastOrDefault(f => f.Field == field) is { Bytes: { } bytes } ? Encoding.UTF8.GetString(bytes) : string.Empty;

        public static List<byte[]> Messages(byte[] message, int field) =>
            Fields(message).Where(f => f.Field == field).Select(f => f.Bytes!).ToList();

        public static long Varint(byte[] message, int field) =>
            (long)(Fields(message).LastOrDefault(f => f.Field == field).Value);

        private static byte[] Bytes(int field, byte[] payload) =>
            [.. Varint((ulong)(field << 3 | 2)), .. Varint((ulong)payload.Length), .. payload];

        private static byte[] Varint(ulong value)
        {
            var bytes = new List<byte>();
            do
            {
                var b = (byte)(value & 0x7F);
                value >>= 7;
                bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
            }
            while (value != 0);
            return [.. bytes];
        }

        private static List<(int Field, byte[]? Bytes, ulong Value)> Fields(byte[] message)
        {
            var fields = new List<(int, byte[]?, ulong)>();
            var pos = 0;
            while (pos < message.Length)
            {
                var key = ReadVarint(message, ref pos);
                var field = (int)(key >> 3);
                switch (key & 7)
                {
                    case 0:
                        fields.Add((field, null, ReadVarint(message, ref pos)));
                        break;
                    case 2:
                        var length = (int)ReadVarint(message, ref pos);
                        fields.Add((field, message.AsSpan(pos, length).ToArray(), 0));
                        pos += length;
                        break;
                    default:
                        throw new FormatException("unexpected wire type " + (key & 7));
                }
            }

            return fields;
        }

        private static ulong ReadVarint(byte[] buffer, ref int pos)
        {
            ulong result = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = buffer[pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }
        }
    }

    /// <summary>One server for the class, seeded with two tenants, three user tokens and a service-account key.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public NebiusGrpcServer Server { get; private set; } = null!;

        public RSA ServiceAccountKey { get; } = RSA.Create(2048);

        // Random per run: opaque test tokens, never real credentials.
        public string UserToken { get; } = "v0.test-" + Guid.NewGuid().ToString("N");

        public string OtherTenantToken { get; } = "v0.test-" + Guid.NewGuid().ToString("N");

        public string ExpiredToken { get; } = "v0.test-" + Guid.NewGuid().ToString("N");

        public async Task InitializeAsync()
        {
            Server = await NebiusGrpcServer.StartAsync();
            await Server.AddTenantAsync(TenantA, ("project-e00one", "default"), ("project-e00two", "second"));
            await Server.AddTenantAsync(TenantB, ("project-e00three", "other"));
            await Server.AddTokenAsync(UserToken, TenantA, "useraccount-e00alice", "alice@example.com");
            await Server.AddTokenAsync(OtherTenantToken, TenantB, "useraccount-e00bob", "bob@example.com");
            await Server.AddTokenAsync(ExpiredToken, TenantA, "useraccount-e00alice", "alice@example.com", expired: true);
            await Server.AddServiceAccountKeyAsync(ServiceAccountId, KeyId, TenantA, ServiceAccountKey);
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            ServiceAccountKey.Dispose();
        }
    }
}
