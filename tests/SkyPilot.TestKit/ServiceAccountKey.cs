using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace SkyPilot.TestKit;

/// <summary>A service-account key generated at test time (never committed), in Google's JSON key format.</summary>
public sealed class ServiceAccountKey
{
    private ServiceAccountKey(string email, string project, string keyId, RSA rsa, string json)
    {
        Email = email;
        Project = project;
        KeyId = keyId;
        Rsa = rsa;
        Json = json;
    }

    public string Email { get; }

    public string Project { get; }

    public string KeyId { get; }

    public RSA Rsa { get; }

    public string Json { get; }

    /// <summary>Creates a key for <paramref name="email"/> whose token_uri points at <paramref name="tokenUri"/>.</summary>
    public static ServiceAccountKey Create(string email, string project, string tokenUri, bool pkcs1 = false)
    {
        var rsa = RSA.Create(2048);
        var keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        var pem = pkcs1 ? rsa.ExportRSAPrivateKeyPem() : rsa.ExportPkcs8PrivateKeyPem();
        var json = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = project,
            ["private_key_id"] = keyId,
            ["private_key"] = pem + "\n",
            ["client_email"] = email,
            ["client_id"] = "1" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(),
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = tokenUri,
            ["auth_provider_x509_cert_url"] = "https://www.googleapis.com/oauth2/v1/certs",
        };
        return new ServiceAccountKey(email, project, keyId, rsa, json.ToJsonString());
    }

    public string WriteTo(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Json);
        return path;
    }
}
