using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

/// <summary>Bad GCP inputs found by fault injection: each is a configuration problem naming the file and field.</summary>
public sealed class CredentialInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string KeyPath => _temp.Combine("keys", "sa.json");

    private SkyEnvironment Env() => new(new Dictionary<string, string>
    {
        ["GOOGLE_APPLICATION_CREDENTIALS"] = KeyPath,
        ["CLOUDSDK_CONFIG"] = _temp.Combine("gcloud"),
        ["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("state"),
    }, _temp.Combine("home"), isWindows: false);

    private JsonObject Key() => JsonNode.Parse(ServiceAccountKey.Create("sa@p.iam.gserviceaccount.com", "p", "http://127.0.0.1:9/token").Json)!.AsObject();

    private void Write(JsonObject key) => _temp.WriteFile(Path.Combine("keys", "sa.json"), key.ToJsonString());

    public static TheoryData<string, string, string> WrongShapes => new()
    {
        { "type", "{\"a\":1}", "an object" },
        { "client_email", "[\"sa@p.iam.gserviceaccount.com\"]", "a list" },
        { "project_id", "{\"id\":\"p\"}", "an object" },
        { "private_key", "42", "a integer" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void A_key_field_of_the_wrong_shape_names_the_file_and_the_field(string field, string json, string found)
    {
        var key = Key();
        key[field] = JsonNode.Parse(json);
        Write(key);

        var identity = GcpIdentityResolver.Resolve(Env());

        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain(KeyPath).And.Contain("'" + field + "'").And.Contain(found).And.NotContain("Can not convert");
        identity.Hint.Should().NotContainEquivalentOf("retry");
    }

    [Fact]
    public void An_ec_key_is_a_configuration_problem_not_a_network_one()
    {
        var key = Key();
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        key["private_key"] = ec.ExportPkcs8PrivateKeyPem() + "\n";
        Write(key);

        var identity = GcpIdentityResolver.Resolve(Env());

        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain(KeyPath).And.Contain("'private_key'").And.Contain("EC");
        identity.Hint.Should().NotContainEquivalentOf("retry");
    }

    [Fact]
    public void An_rsa_key_passes_the_algorithm_check()
    {
        Write(Key());

        GcpIdentityResolver.Resolve(Env()).ProblemStatus.Should().BeNull();
    }

    [Fact]
    public void A_huge_key_file_is_refused_without_reading_it()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyPath)!);
        using (var file = File.Create(KeyPath))
        {
            file.SetLength(150L * 1024 * 1024);
        }

        var before = GC.GetTotalAllocatedBytes();
        var identity = GcpIdentityResolver.Resolve(Env());

        (GC.GetTotalAllocatedBytes() - before).Should().BeLessThan(50L * 1024 * 1024);
        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain(KeyPath).And.Contain("150 MB").And.Contain("at most 1 MB");
    }

    public static TheoryData<string, byte[]> ForeignEncodings()
    {
        var text = "[core]\naccount = someone@example.com\nproject = from-config\n";
        return new()
        {
            { "UTF-8 with a byte order mark", [.. new byte[] { 0xEF, 0xBB, 0xBF }, .. Encoding.UTF8.GetBytes(text)] },
            { "UTF-16", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray() },
            { "UTF-16", Encoding.Unicode.GetBytes(text) },
        };
    }

    [Theory]
    [MemberData(nameof(ForeignEncodings))]
    public void A_gcloud_configuration_gcloud_cannot_read_is_a_warning_naming_the_file(string encoding, byte[] content)
    {
        Write(Key());
        var configFile = _temp.Combine("gcloud", "configurations", "config_default");
        Directory.CreateDirectory(Path.GetDirectoryName(configFile)!);
        File.WriteAllBytes(configFile, content);

        var identity = GcpIdentityResolver.Resolve(Env());

        identity.Warnings.Should().ContainSingle(w => w.Contains(configFile) && w.Contains(encoding) && w.Contains("gcloud cannot read"));
        identity.Project.Should().Be("p", "gcloud itself does not read the file, so its project does not apply");
    }

    [Fact]
    public void A_plain_utf8_gcloud_configuration_gives_no_warning()
    {
        Write(Key());
        _temp.WriteFile(Path.Combine("gcloud", "configurations", "config_default"), "[core]\nproject = from-config\n");

        var identity = GcpIdentityResolver.Resolve(Env());

        identity.Warnings.Should().BeEmpty();
        identity.Project.Should().Be("from-config");
    }
}
