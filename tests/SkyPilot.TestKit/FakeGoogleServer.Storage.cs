using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace SkyPilot.TestKit;

/// <summary>
/// Cloud Storage JSON API (storage/v1) for the loopback Google: what the module calls and what the real
/// <c>gcloud storage cp/ls/cat</c> sends (point it here with <c>CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=BaseUrl + "/"</c>).
/// <list type="bullet">
/// <item>Buckets: get, insert (<c>?project=</c>, needs project <c>storage.buckets.create</c>, 409 when taken),
/// <c>iam/testPermissions</c>, <c>storageLayout</c> (gcloud's <c>cp -r</c>). Held permissions = the bucket project's grants (<see cref="Grant"/>) ∪ bucket grants
/// (<see cref="GrantBucket"/>).</item>
/// <item>Uploads under <c>/upload/storage/v1</c> (and gcloud's <c>/resumable/upload/storage/v1</c>):
/// <c>multipart</c> (CRLF or LF framing, quoted boundaries) and chunked <c>resumable</c> (308 + <c>Range</c>, 256 KiB
/// rule, status queries, overlapping resends, session URI usable without a token). Creating needs
/// <c>storage.objects.create</c>; replacing an existing object also needs <c>storage.objects.delete</c>, as in Cloud
/// Storage. A client-supplied md5Hash/crc32c that does not match the bytes → 400.</item>
/// <item>Objects: get (JSON, or <c>alt=media</c> with Range, also at the <c>/download/storage/v1</c> mediaLink),
/// list (prefix, delimiter, maxResults, pageToken), delete, compose (gcloud's parallel composite uploads).</item>
/// <item>Test control: <see cref="CreateBucket"/>, <see cref="GrantBucket"/>, <see cref="Objects"/>,
/// <see cref="Object"/>, <see cref="DropUploadConnectionAfter"/>, <see cref="UploadRequestCount"/>,
/// <see cref="UnhandledStorageRequests"/>; the shared <see cref="InjectFault"/>, <see cref="Latency"/> and
/// <see cref="Requests"/> apply to storage paths too (object bytes are not recorded, JSON bodies are).</item>
/// </list>
/// Object bytes are streamed through fixed buffers into files under a private temp directory (deleted on dispose),
/// never held in memory, so large uploads cost disk, not RAM.
/// </summary>
public sealed partial class FakeGoogleServer
{
    /// <summary>Non-final resumable chunks must be multiples of this (256 KiB), as in Cloud Storage.</summary>
    private const int ResumableChunkQuantum = 256 * 1024;

    private const int CopyBufferSize = 256 * 1024;
    private const int MaxJsonBody = 1024 * 1024;

    private readonly ConcurrentDictionary<string, FakeBucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Account, string Bucket), HashSet<string>> _bucketGrants = new();
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _uploadCounts = new(StringComparer.Ordinal);
    private readonly object _dropLock = new();
    private readonly Lazy<string> _storageRoot = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "skyps-fakegcs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    });

    private int _dropAfterBytes;
    private int _dropTimes;
    private long _lastGeneration;

    /// <summary>
    /// Storage requests the emulation did not recognise (answered 404 or 400), for spotting what a client sends
    /// that the fake lacks. Tests driving real clients should assert it stays empty.
    /// </summary>
    public ConcurrentQueue<RecordedRequest> UnhandledStorageRequests { get; } = new();

    /// <summary>Creates a bucket owned by <paramref name="project"/> (no permission check).</summary>
    public void CreateBucket(string name, string project, string location = "US")
    {
        if (!_buckets.TryAdd(name, new FakeBucket(name, project, location.ToUpperInvariant(), "STANDARD", DateTimeOffset.UtcNow)))
        {
            throw new InvalidOperationException("bucket " + name + " already exists");
        }
    }

    /// <summary>Grants <paramref name="account"/> permissions on one bucket (its bucket IAM policy), on top of project grants.</summary>
    public void GrantBucket(string account, string bucket, params string[] permissions)
    {
        var set = _bucketGrants.GetOrAdd((account, bucket), _ => new HashSet<string>());
        lock (set)
        {
            set.UnionWith(permissions);
        }
    }

    /// <summary>The live objects of a bucket, ordered by name. Throws when the bucket does not exist.</summary>
    public IReadOnlyList<StoredObject> Objects(string bucket)
    {
        var b = _buckets.TryGetValue(bucket, out var found) ? found : throw new InvalidOperationException("no bucket " + bucket);
        lock (b)
        {
            return [.. b.Objects.Values];
        }
    }

    /// <summary>One object, or null.</summary>
    public StoredObject? Object(string bucket, string name)
    {
        if (!_buckets.TryGetValue(bucket, out var b))
        {
            return null;
        }

        lock (b)
        {
            return b.Objects.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> resumable PUTs that carry bytes read <paramref name="bytes"/> body bytes, keep
    /// them only up to the last 256 KiB boundary of the upload (as Cloud Storage does with a broken chunk), and then
    /// abort the connection; the client has to send a status query (<c>Content-Range: bytes */TOTAL</c>) and resume.
    /// </summary>
    public void DropUploadConnectionAfter(int bytes, int times = 1)
    {
        lock (_dropLock)
        {
            _dropAfterBytes = bytes;
            _dropTimes = times;
        }
    }

    /// <summary>
    /// HTTP requests seen under /upload/storage/v1 with this <c>uploadType</c> (multipart, resumable), counted on
    /// arrival (attempts answered by an injected fault included). For resumable this counts the initiating POST and
    /// every PUT to the session, status queries included.
    /// </summary>
    public int UploadRequestCount(string uploadType) => _uploadCounts.GetValueOrDefault(uploadType);

    private static bool IsStoragePath(string path) =>
        path.StartsWith("/storage/v1/", StringComparison.Ordinal) || path == "/storage/v1"
        || path.StartsWith("/upload/storage/v1/", StringComparison.Ordinal)
        || path.StartsWith("/resumable/upload/storage/v1/", StringComparison.Ordinal)
        || path.StartsWith("/download/storage/v1/", StringComparison.Ordinal);

    private async Task StorageAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        // Only JSON bodies are read up front (and recorded); object bytes are streamed to disk by the handlers.
        var body = string.Empty;
        if (IsJson(request.ContentType) && (request.ContentLength ?? 0) <= MaxJsonBody)
        {
            body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync();
        }

        var path = request.Path.Value ?? string.Empty;
        var recorded = new RecordedRequest(request.Method, path, request.QueryString.Value ?? string.Empty, body, DateTimeOffset.UtcNow);
        Requests.Enqueue(recorded);
        context.Items[typeof(RecordedRequest)] = recorded;
        if (path.Contains("/upload/storage/v1/", StringComparison.Ordinal))
        {
            // Counted on arrival, so attempts answered by an injected fault count too.
            var type = request.Query["uploadType"].ToString();
            _uploadCounts.AddOrUpdate(type.Length == 0 ? "(none)" : type, 1, (_, n) => n + 1);
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency);
        }

        if (TakeFault(path + request.QueryString.Value) is { } fault && await ApplyFaultAsync(context, fault))
        {
            return;
        }

        var rawPath = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? path;
        var q = rawPath.IndexOf('?');
        var segments = (q < 0 ? rawPath : rawPath[..q]).Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (segments[0] == "resumable")
        {
            // apitools (gcloud) starts resumable uploads at /resumable/upload/storage/v1/..., an alias Cloud Storage serves.
            segments = segments[1..];
        }

        var query = request.Query;
        var isUpload = segments[0] == "upload";

        // A resumable session URI is its own credential, as in Cloud Storage.
        var isSessionCall = isUpload && !StringValues.IsNullOrEmpty(query["upload_id"]) && request.Method is "PUT" or "POST";
        var account = Authenticate(request);
        if (account is null && !isSessionCall)
        {
            if (request.Headers.Authorization.Count == 0)
            {
                await WriteError(context, 401, "UNAUTHENTICATED", "Anonymous caller does not have access to the Google Cloud Storage resource: the request carries no credentials.", "required");
            }
            else
            {
                await WriteError(context, 401, "UNAUTHENTICATED", "Invalid Credentials", "authError");
            }

            return;
        }

        // segments: [storage|upload|download, storage?, v1, b, {bucket}, ...]
        var rest = isUpload || segments[0] == "download" ? segments[3..] : segments[2..];
        var handled = (rest, request.Method) switch
        {
            (["b"], "POST") => InsertBucketAsync(context, account!, body),
            (["b", var bucket], "GET") => GetBucketAsync(context, account!, bucket),
            (["b", var bucket, "iam", "testPermissions"], "GET") => TestBucketPermissionsAsync(context, account!, bucket),
            (["b", var bucket, "storageLayout"], "GET") => GetStorageLayoutAsync(context, account!, bucket),
            (["b", var bucket, "o"], "GET") when !isUpload => ListObjectsAsync(context, account!, bucket),
            (["b", var bucket, "o"], "POST") when isUpload && !isSessionCall => UploadAsync(context, account!, bucket, body),
            (["b", var bucket, "o"], "PUT" or "POST") when isSessionCall => ResumableChunkAsync(context, bucket, query["upload_id"].ToString()),
            (["b", var bucket, "o", var destination, "compose"], "POST") when !isUpload => ComposeAsync(context, account!, bucket, destination, body),
            (["b", var bucket, "o", ..], "GET") when !isUpload && rest.Length > 3 => GetObjectAsync(context, account!, bucket, string.Join('/', rest[3..]), segments[0] == "download"),
            (["b", var bucket, "o", ..], "DELETE") when !isUpload && rest.Length > 3 => DeleteObjectAsync(context, account!, bucket, string.Join('/', rest[3..])),
            _ => null,
        };
        if (handled is null)
        {
            UnhandledStorageRequests.Enqueue(recorded);
            await WriteError(context, 404, "NOT_FOUND", "Not Found: " + request.Method + " " + path + " is not emulated by the fake storage server.", "notFound");
            return;
        }

        await handled;
    }

    // ---------------------------------------------------------------- buckets

    private async Task InsertBucketAsync(HttpContext context, string account, string body)
    {
        var project = context.Request.Query["project"].ToString();
        JsonNode? json;
        try
        {
            json = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        var name = (string?)json?["name"];
        if (project.Length == 0 || string.IsNullOrEmpty(name))
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", project.Length == 0 ? "Required parameter: project" : "Required field: name", "required");
            return;
        }

        if (name.Length is < 3 or > 63 || name.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')))
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Invalid bucket name: '" + name + "'", "invalid");
            return;
        }

        if (!Held(account, project).Contains("storage.buckets.create"))
        {
            await WriteError(context, 403, "PERMISSION_DENIED", account + " does not have storage.buckets.create access to the Google Cloud project. Permission 'storage.buckets.create' denied on resource (or it may not exist).", "forbidden");
            return;
        }

        var bucket = new FakeBucket(name, project, ((string?)json!["location"] ?? "US").ToUpperInvariant(), ((string?)json["storageClass"] ?? "STANDARD").ToUpperInvariant(), DateTimeOffset.UtcNow);
        if (!_buckets.TryAdd(name, bucket))
        {
            await WriteError(context, 409, "CONFLICT", "Your previous request to create the named bucket succeeded and you already own it.", "conflict");
            return;
        }

        await WriteJson(context, BucketJson(bucket));
    }

    private async Task GetBucketAsync(HttpContext context, string account, string name)
    {
        if (await BucketForAsync(context, account, name, "storage.buckets.get") is { } bucket)
        {
            await WriteJson(context, BucketJson(bucket));
        }
    }

    /// <summary>buckets.getStorageLayout (needs storage.objects.list): gcloud storage cp -r asks it before uploading a tree.</summary>
    private async Task GetStorageLayoutAsync(HttpContext context, string account, string name)
    {
        if (await BucketForAsync(context, account, name, "storage.objects.list") is not null)
        {
            await WriteJson(context, new JsonObject
            {
                ["kind"] = "storage#storageLayout",
                ["bucket"] = name,
                ["location"] = "US",
                ["locationType"] = "multi-region",
                ["hierarchicalNamespace"] = new JsonObject { ["enabled"] = false },
            });
        }
    }

    private async Task TestBucketPermissionsAsync(HttpContext context, string account, string name)
    {
        if (!_buckets.TryGetValue(name, out var bucket))
        {
            await WriteError(context, 404, "NOT_FOUND", "The specified bucket does not exist.", "notFound");
            return;
        }

        var asked = context.Request.Query["permissions"];
        if (asked.Count == 0)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Required parameter: permissions", "required");
            return;
        }

        var held = HeldOnBucket(account, bucket);
        var granted = asked.Where(p => p is not null && held.Contains(p)).Distinct().Select(p => (JsonNode)p!).ToArray();
        var response = new JsonObject { ["kind"] = "storage#testIamPermissionsResponse" };
        if (granted.Length > 0)
        {
            response["permissions"] = new JsonArray(granted);
        }

        await WriteJson(context, response);
    }

    /// <summary>The bucket when it exists and the caller holds <paramref name="permission"/> on it; otherwise answers 404/403 and returns null.</summary>
    private async Task<FakeBucket?> BucketForAsync(HttpContext context, string? account, string name, string permission)
    {
        if (!_buckets.TryGetValue(name, out var bucket))
        {
            await WriteError(context, 404, "NOT_FOUND", "The specified bucket does not exist.", "notFound");
            return null;
        }

        if (account is not null && !HeldOnBucket(account, bucket).Contains(permission))
        {
            var what = permission.StartsWith("storage.buckets.", StringComparison.Ordinal) ? "bucket" : "object";
            await WriteError(context, 403, "PERMISSION_DENIED", account + " does not have " + permission + " access to the Google Cloud Storage " + what + ". Permission '" + permission + "' denied on resource (or it may not exist).", "forbidden");
            return null;
        }

        return bucket;
    }

    private HashSet<string> HeldOnBucket(string account, FakeBucket bucket)
    {
        var held = Held(account, bucket.Project);
        if (_bucketGrants.TryGetValue((account, bucket.Name), out var set))
        {
            lock (set)
            {
                held.UnionWith(set);
            }
        }

        return held;
    }

    private JsonObject BucketJson(FakeBucket b) => new()
    {
        ["kind"] = "storage#bucket",
        ["selfLink"] = BaseUrl + "/storage/v1/b/" + Uri.EscapeDataString(b.Name),
        ["id"] = b.Name,
        ["name"] = b.Name,
        ["projectNumber"] = ProjectNumber(b.Project),
        ["metageneration"] = "1",
        ["location"] = b.Location,
        ["storageClass"] = b.StorageClass,
        ["etag"] = "CAE=",
        ["timeCreated"] = Rfc3339(b.Created),
        ["updated"] = Rfc3339(b.Created),
        ["locationType"] = b.Location.Contains('-') ? "region" : "multi-region",
        ["rpo"] = "DEFAULT",
        ["iamConfiguration"] = new JsonObject
        {
            ["bucketPolicyOnly"] = new JsonObject { ["enabled"] = true, ["lockedTime"] = Rfc3339(b.Created.AddDays(90)) },
            ["uniformBucketLevelAccess"] = new JsonObject { ["enabled"] = true, ["lockedTime"] = Rfc3339(b.Created.AddDays(90)) },
            ["publicAccessPrevention"] = "inherited",
        },
        ["softDeletePolicy"] = new JsonObject { ["retentionDurationSeconds"] = "0" },
    };

    // ---------------------------------------------------------------- object reads

    private async Task ListObjectsAsync(HttpContext context, string account, string bucketName)
    {
        if (await BucketForAsync(context, account, bucketName, "storage.objects.list") is not { } bucket)
        {
            return;
        }

        var query = context.Request.Query;
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var max = int.TryParse(query["maxResults"], out var m) && m > 0 ? Math.Min(m, 1000) : 1000;
        string? after = null;
        if (query["pageToken"].ToString() is { Length: > 0 } token)
        {
            try
            {
                after = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token));
            }
            catch (FormatException)
            {
                await WriteError(context, 400, "INVALID_ARGUMENT", "Invalid page token.", "invalid");
                return;
            }
        }

        StoredObject[] snapshot;
        lock (bucket)
        {
            snapshot = [.. bucket.Objects.Values];
        }

        // Entries in name order: an object, or a prefix rolled up at the delimiter (keyed by the prefix itself).
        var entries = new List<(string Key, StoredObject? Item)>();
        foreach (var obj in snapshot)
        {
            if (!obj.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var cut = delimiter.Length == 0 ? -1 : obj.Name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (cut >= 0)
            {
                var rolled = obj.Name[..(cut + delimiter.Length)];
                if (entries.Count == 0 || entries[^1].Key != rolled || entries[^1].Item is not null)
                {
                    entries.Add((rolled, null));
                }
            }
            else
            {
                entries.Add((obj.Name, obj));
            }
        }

        var remaining = entries.Where(e => after is null || string.CompareOrdinal(e.Key, after) > 0).ToList();
        var page = remaining.Take(max).ToList();
        var response = new JsonObject { ["kind"] = "storage#objects" };
        if (remaining.Count > page.Count)
        {
            response["nextPageToken"] = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(page[^1].Key));
        }

        var prefixes = page.Where(e => e.Item is null).Select(e => (JsonNode)e.Key).ToArray();
        if (prefixes.Length > 0)
        {
            response["prefixes"] = new JsonArray(prefixes);
        }

        var items = page.Where(e => e.Item is not null).Select(e => (JsonNode)ObjectJson(e.Item!)).ToArray();
        if (items.Length > 0)
        {
            response["items"] = new JsonArray(items);
        }

        await WriteJson(context, response);
    }

    private async Task GetObjectAsync(HttpContext context, string account, string bucketName, string name, bool download)
    {
        if (await BucketForAsync(context, account, bucketName, "storage.objects.get") is not { } bucket)
        {
            return;
        }

        StoredObject? obj;
        lock (bucket)
        {
            obj = bucket.Objects.GetValueOrDefault(name);
        }

        var query = context.Request.Query;
        if (obj is null || (long.TryParse(query["generation"], out var generation) && generation != obj.Generation))
        {
            await WriteError(context, 404, "NOT_FOUND", "No such object: " + bucketName + "/" + name, "notFound");
            return;
        }

        if (!download && query["alt"].ToString() != "media")
        {
            await WriteJson(context, ObjectJson(obj));
            return;
        }

        var response = context.Response;
        response.Headers.ETag = "\"" + Convert.ToHexString(Convert.FromBase64String(obj.Md5Base64)).ToLowerInvariant() + "\"";
        response.Headers["X-Goog-Generation"] = obj.Generation.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Goog-Metageneration"] = "1";
        response.Headers["X-Goog-Hash"] = "crc32c=" + obj.Crc32cBase64 + ",md5=" + obj.Md5Base64;
        response.Headers["X-Goog-Stored-Content-Length"] = obj.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Goog-Stored-Content-Encoding"] = "identity";
        response.Headers["X-Goog-Storage-Class"] = "STANDARD";
        response.Headers.LastModified = obj.Created.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = obj.ContentType;

        long start = 0, end = obj.Length - 1;
        var range = context.Request.Headers.Range.ToString();
        if (range.Length > 0)
        {
            if (!TryParseRange(range, obj.Length, out start, out end))
            {
                response.Headers.ContentRange = "bytes */" + obj.Length;
                await WriteError(context, 416, "OUT_OF_RANGE", "The requested range cannot be satisfied.", "requestedRangeNotSatisfiable");
                return;
            }

            response.StatusCode = 206;
            response.Headers.ContentRange = "bytes " + start + "-" + end + "/" + obj.Length;
        }
        else
        {
            response.StatusCode = 200;
        }

        Stream file;
        try
        {
            file = obj.OpenRead();
        }
        catch (FileNotFoundException)
        {
            // Replaced or deleted since it was looked up.
            await WriteError(context, 404, "NOT_FOUND", "No such object: " + bucketName + "/" + name, "notFound");
            return;
        }

        await using var _ = file;
        var length = Math.Max(0, end - start + 1);
        response.ContentLength = length;
        file.Seek(start, SeekOrigin.Begin);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            while (length > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                length -= read;
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryParseRange(string header, long size, out long start, out long end)
    {
        start = 0;
        end = size - 1;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(','))
        {
            return false;
        }

        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return false;
        }

        // gcloud asks for first-last byte ranges (no suffix ranges).
        var last = spec[(dash + 1)..];
        if (!long.TryParse(spec[..dash], out start) || start >= size)
        {
            return false;
        }

        if (last.Length > 0)
        {
            if (!long.TryParse(last, out end) || end < start)
            {
                return false;
            }

            end = Math.Min(end, size - 1);
        }

        return true;
    }

    private async Task DeleteObjectAsync(HttpContext context, string account, string bucketName, string name)
    {
        if (await BucketForAsync(context, account, bucketName, "storage.objects.delete") is not { } bucket)
        {
            return;
        }

        StoredObject? removed;
        lock (bucket)
        {
            bucket.Objects.Remove(name, out removed);
        }

        if (removed is null)
        {
            await WriteError(context, 404, "NOT_FOUND", "No such object: " + bucketName + "/" + name, "notFound");
            return;
        }

        TryDelete(removed.FilePath);
        context.Response.StatusCode = 204;
    }

    /// <summary>
    /// objects.compose: concatenates source objects of the bucket into the destination. gcloud uses it for
    /// parallel composite uploads of large files (above 150 MiB by default). Composite objects carry crc32c and
    /// componentCount but no md5Hash, as in Cloud Storage. Hashes in the destination are ignored: gcloud copies the
    /// first component's metadata, crc32c and md5Hash included, into the destination it sends.
    /// </summary>
    private async Task ComposeAsync(HttpContext context, string account, string bucketName, string destination, string body)
    {
        if (await BucketForAsync(context, account, bucketName, "storage.objects.create") is not { } bucket)
        {
            return;
        }

        JsonNode? json;
        try
        {
            json = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        var sources = (json?["sourceObjects"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (sources.Count == 0)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Required field: sourceObjects", "invalid");
            return;
        }

        if (!HeldOnBucket(account, bucket).Contains("storage.objects.get"))
        {
            await WriteError(context, 403, "PERMISSION_DENIED", account + " does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).", "forbidden");
            return;
        }

        List<StoredObject> parts = [];
        lock (bucket)
        {
            foreach (var source in sources)
            {
                var name = (string?)source["name"] ?? string.Empty;
                if (!bucket.Objects.TryGetValue(name, out var part)
                    || (long.TryParse(source["generation"]?.ToString(), out var generation) && generation != part.Generation))
                {
                    parts.Clear();
                    break;
                }

                parts.Add(part);
            }
        }

        if (parts.Count != sources.Count)
        {
            await WriteError(context, 404, "NOT_FOUND", "Object " + bucketName + "/" + sources.Select(o => (string?)o["name"]).FirstOrDefault(n => Object(bucketName, n ?? string.Empty) is null) + " not found.", "notFound");
            return;
        }

        var file = NewStorageFile();
        long length = 0;
        await using (var sink = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, 1, useAsync: true))
        {
            foreach (var part in parts)
            {
                await using var source = part.OpenRead();
                await source.CopyToAsync(sink, CopyBufferSize);
                length += part.Length;
            }
        }

        var target = json!["destination"] as JsonObject;
        var metadata = target is null ? null : ParseObjectMetadata(target.ToJsonString());
        var contentType = metadata?.ContentType ?? "application/octet-stream";
        var components = parts.Sum(p => p.ComponentCount ?? 1);
        await FinishUploadAsync(context, account, bucket, destination, file, length, contentType, metadata?.Metadata ?? new Dictionary<string, string>(), null, null, componentCount: components);
    }

    // ---------------------------------------------------------------- uploads

    private async Task UploadAsync(HttpContext context, string account, string bucketName, string body)
    {
        var query = context.Request.Query;
        var uploadType = query["uploadType"].ToString();
        if (uploadType is not ("multipart" or "resumable"))
        {
            UnhandledStorageRequests.Enqueue((RecordedRequest)context.Items[typeof(RecordedRequest)]!);
            await WriteError(context, 400, "INVALID_ARGUMENT", "Invalid upload type: '" + uploadType + "'", "invalid");
            return;
        }

        if (await BucketForAsync(context, account, bucketName, "storage.objects.create") is not { } bucket)
        {
            return;
        }

        if (uploadType == "multipart")
        {
            await MultipartUploadAsync(context, account, bucket);
        }
        else
        {
            await StartResumableAsync(context, account, bucket, body);
        }
    }

    private async Task MultipartUploadAsync(HttpContext context, string account, FakeBucket bucket)
    {
        var request = context.Request;
        var boundary = MultipartRelatedReader.Boundary(request.ContentType);
        if (boundary is null)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Multipart upload needs Content-Type multipart/related with a boundary.", "invalid");
            return;
        }

        var reader = new MultipartRelatedReader(request.Body, boundary);
        var file = NewStorageFile();
        ObjectMetadata? metadata;
        string? mediaType;
        long length;
        try
        {
            if (await reader.NextPartAsync(context.RequestAborted) is null)
            {
                await WriteError(context, 400, "INVALID_ARGUMENT", "Multipart upload is missing its metadata part.", "invalid");
                return;
            }

            metadata = ParseObjectMetadata(await reader.ReadPartAsStringAsync(MaxJsonBody, context.RequestAborted));
            if (metadata is null)
            {
                await WriteError(context, 400, "INVALID_ARGUMENT", "Metadata part is not valid JSON.", "parseError");
                return;
            }

            var mediaHeaders = await reader.NextPartAsync(context.RequestAborted);
            if (mediaHeaders is null)
            {
                await WriteError(context, 400, "INVALID_ARGUMENT", "Multipart upload is missing its media part.", "invalid");
                return;
            }

            mediaType = mediaHeaders.GetValueOrDefault("Content-Type");
            await using (var sink = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, 1, useAsync: true))
            {
                length = await reader.CopyPartAsync(sink, context.RequestAborted);
            }

            if (await reader.NextPartAsync(context.RequestAborted) is not null)
            {
                TryDelete(file);
                await WriteError(context, 400, "INVALID_ARGUMENT", "Multipart upload has more than two parts.", "invalid");
                return;
            }
        }
        catch (InvalidDataException e)
        {
            TryDelete(file);
            await WriteError(context, 400, "INVALID_ARGUMENT", "Malformed multipart body: " + e.Message, "invalid");
            return;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            TryDelete(file);
            context.Abort();
            return;
        }

        var name = metadata.Name ?? request.Query["name"].ToString();
        if (string.IsNullOrEmpty(name))
        {
            TryDelete(file);
            await WriteError(context, 400, "INVALID_ARGUMENT", "Required parameter: name", "required");
            return;
        }

        var contentType = metadata.ContentType ?? mediaType ?? "application/octet-stream";
        await FinishUploadAsync(context, account, bucket, name, file, length, contentType, metadata.Metadata, metadata.Md5, metadata.Crc32c);
    }

    private async Task StartResumableAsync(HttpContext context, string account, FakeBucket bucket, string body)
    {
        var request = context.Request;
        var metadata = body.Trim().Length == 0 ? new ObjectMetadata(null, null, new Dictionary<string, string>(), null, null) : ParseObjectMetadata(body);
        if (metadata is null)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Metadata is not valid JSON.", "parseError");
            return;
        }

        var name = metadata.Name ?? request.Query["name"].ToString();
        if (string.IsNullOrEmpty(name))
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Required parameter: name", "required");
            return;
        }

        long? declared = long.TryParse(request.Headers["X-Upload-Content-Length"], out var length) ? length : null;
        var contentType = metadata.ContentType ?? NonEmpty(request.Headers["X-Upload-Content-Type"].ToString()) ?? "application/octet-stream";
        var id = "fake-upload-" + Guid.NewGuid().ToString("N");
        var session = new UploadSession(id, account, bucket, name, contentType, metadata, declared, NewStorageFile());
        File.WriteAllBytes(session.FilePath, []);
        _sessions[id] = session;
        var location = BaseUrl + "/upload/storage/v1/b/" + Uri.EscapeDataString(bucket.Name) + "/o?uploadType=resumable&name=" + Uri.EscapeDataString(name) + "&upload_id=" + id;
        context.Response.StatusCode = 200;
        context.Response.Headers.Location = location;
        context.Response.Headers["X-GUploader-UploadID"] = id;
        context.Response.ContentLength = 0;
    }

    private async Task ResumableChunkAsync(HttpContext context, string bucketName, string id)
    {
        if (!_sessions.TryGetValue(id, out var session) || session.Bucket.Name != bucketName)
        {
            await WriteError(context, 404, "NOT_FOUND", "No such upload session: " + id, "notFound");
            return;
        }

        await session.Gate.WaitAsync();
        try
        {
            await ResumableChunkLockedAsync(context, session);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private async Task ResumableChunkLockedAsync(HttpContext context, UploadSession session)
    {
        var request = context.Request;
        if (session.Result is { } done)
        {
            await WriteJson(context, ObjectJson(done));
            return;
        }

        var header = request.Headers.ContentRange.ToString();
        if (!TryParseContentRange(header, request.ContentLength, out var range))
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Failed to parse Content-Range header: '" + header + "'", "invalid");
            return;
        }

        if (range.Total is { } total && session.Declared is { } declared && total != declared)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Content-Range total " + total + " does not match X-Upload-Content-Length " + declared + ".", "invalid");
            return;
        }

        if (range.Start is null)
        {
            // Status query: answer what is persisted; a known total equal to it completes the upload.
            if (range.Total is { } t && t == session.Committed)
            {
                await FinishSessionAsync(context, session);
                return;
            }

            if (range.Total is { } t2 && t2 < session.Committed)
            {
                await WriteError(context, 400, "INVALID_ARGUMENT", "Content-Range total " + t2 + " is smaller than the " + session.Committed + " bytes already uploaded.", "invalid");
                return;
            }

            WriteIncomplete(context, session);
            return;
        }

        var start = range.Start.Value;
        var end = range.End!.Value;
        if (start > session.Committed)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Invalid request. According to the Content-Range header, the upload offset is " + start + " byte(s), which exceeds already uploaded size of " + session.Committed + " byte(s).", "invalid");
            return;
        }

        if (range.Total is { } size && end + 1 > size)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Content-Range end " + end + " is beyond the total size " + size + ".", "invalid");
            return;
        }

        var final = range.Total is { } whole && end + 1 == whole;
        if (!final && (end + 1) % ResumableChunkQuantum != 0)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Invalid request. The number of bytes uploaded is required to be a multiple of " + ResumableChunkQuantum + " (256 KiB), except for the final request. The received request contained " + (end - start + 1) + " bytes, ending at offset " + (end + 1) + ".", "invalid");
            return;
        }

        var expected = end - start + 1;
        if (request.ContentLength is { } contentLength && contentLength != expected)
        {
            await WriteError(context, 400, "INVALID_ARGUMENT", "Content-Length " + contentLength + " does not match the Content-Range, which names " + expected + " bytes.", "invalid");
            return;
        }

        var dropAfter = expected > 0 ? TakeDrop() : null;
        var (read, broken) = await WriteChunkAsync(context, session, start, expected, dropAfter);
        if (broken)
        {
            // A chunk cut short: Cloud Storage keeps only whole 256 KiB units of it.
            var persisted = Math.Max(session.Committed, (start + read) / ResumableChunkQuantum * ResumableChunkQuantum);
            SetFileLength(session.FilePath, persisted);
            session.Committed = persisted;
            context.Abort();
            return;
        }

        if (read != expected)
        {
            SetFileLength(session.FilePath, session.Committed);
            await WriteError(context, 400, "INVALID_ARGUMENT", "The request body had " + read + " bytes but the Content-Range names " + expected + ".", "invalid");
            return;
        }

        session.Committed = Math.Max(session.Committed, end + 1);
        if (final)
        {
            await FinishSessionAsync(context, session);
        }
        else
        {
            WriteIncomplete(context, session);
        }
    }

    /// <summary>
    /// Writes the chunk [start, start+expected) into the session file from the request body, skipping bytes already
    /// persisted. Returns the body bytes read and whether the body broke off (client or injected drop).
    /// </summary>
    private static async Task<(long Read, bool Broken)> WriteChunkAsync(HttpContext context, UploadSession session, long start, long expected, int? dropAfter)
    {
        var skip = session.Committed - start;
        var limit = dropAfter is { } d ? Math.Min(d, expected) : expected;
        long read = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            await using var file = new FileStream(session.FilePath, FileMode.Open, FileAccess.Write, FileShare.Read, 1, useAsync: true);
            file.Seek(session.Committed, SeekOrigin.Begin);
            while (true)
            {
                var want = (int)Math.Min(buffer.Length, dropAfter is null ? buffer.Length : limit - read);
                if (want == 0)
                {
                    break;
                }

                var n = await context.Request.Body.ReadAsync(buffer.AsMemory(0, want), context.RequestAborted);
                if (n == 0)
                {
                    break;
                }

                var from = (int)Math.Clamp(skip - read, 0, n);
                if (from < n)
                {
                    await file.WriteAsync(buffer.AsMemory(from, n - from));
                }

                read += n;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            return (read, true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (read, dropAfter is not null);
    }

    private int? TakeDrop()
    {
        lock (_dropLock)
        {
            if (_dropTimes <= 0)
            {
                return null;
            }

            _dropTimes--;
            return _dropAfterBytes;
        }
    }

    private static void WriteIncomplete(HttpContext context, UploadSession session)
    {
        context.Response.StatusCode = 308;
        if (session.Committed > 0)
        {
            context.Response.Headers.Range = "bytes=0-" + (session.Committed - 1);
        }

        context.Response.ContentLength = 0;
    }

    private async Task FinishSessionAsync(HttpContext context, UploadSession session)
    {
        var ok = await FinishUploadAsync(context, session.Account, session.Bucket, session.Name, session.FilePath, session.Committed, session.ContentType, session.Metadata.Metadata, session.Metadata.Md5, session.Metadata.Crc32c, keepFileOnFailure: true);
        if (ok is not null)
        {
            session.Result = ok;
        }
    }

    /// <summary>Hashes the received file, checks client hashes and overwrite permission, and commits.</summary>
    private async Task<StoredObject?> FinishUploadAsync(HttpContext context, string account, FakeBucket bucket, string name, string file, long length,
        string contentType, Dictionary<string, string> metadata, string? md5Claim, string? crcClaim, bool keepFileOnFailure = false, int? componentCount = null)
    {
        var (crc, md5) = await HashFileAsync(file);
        string? problem = null;
        if (md5Claim is not null && md5Claim != Convert.ToBase64String(md5))
        {
            problem = "Provided MD5 hash \"" + md5Claim + "\" doesn't match calculated MD5 hash \"" + Convert.ToBase64String(md5) + "\".";
        }
        else if (crcClaim is not null && crcClaim != Crc32c.ToBase64(crc))
        {
            problem = "Provided CRC32C \"" + crcClaim + "\" doesn't match calculated CRC32C \"" + Crc32c.ToBase64(crc) + "\".";
        }

        if (problem is not null)
        {
            if (!keepFileOnFailure)
            {
                TryDelete(file);
            }

            await WriteError(context, 400, "INVALID_ARGUMENT", problem, "invalid");
            return null;
        }

        var canOverwrite = HeldOnBucket(account, bucket).Contains("storage.objects.delete");
        var obj = CommitObject(bucket, name, file, length, contentType, metadata, crc, md5, canOverwrite, componentCount);
        if (obj is null)
        {
            if (!keepFileOnFailure)
            {
                TryDelete(file);
            }

            await WriteError(context, 403, "PERMISSION_DENIED", account + " does not have storage.objects.delete access to the Google Cloud Storage object. Permission 'storage.objects.delete' denied on resource (or it may not exist).", "forbidden");
            return null;
        }

        await WriteJson(context, ObjectJson(obj));
        return obj;
    }

    /// <summary>Commits atomically under the bucket lock; null when an object would be replaced by a caller who may not delete it.</summary>
    private StoredObject? CommitObject(FakeBucket bucket, string name, string file, long length, string contentType,
        Dictionary<string, string> metadata, uint crc, byte[] md5, bool canOverwrite, int? componentCount)
    {
        StoredObject? replaced;
        StoredObject created;
        lock (bucket)
        {
            replaced = bucket.Objects.GetValueOrDefault(name);
            if (replaced is not null && !canOverwrite)
            {
                return null;
            }

            var now = DateTimeOffset.UtcNow;
            created = new StoredObject(bucket.Name, name, NextGeneration(now), contentType, length, Convert.ToBase64String(md5), crc,
                new Dictionary<string, string>(metadata), now, componentCount) { FilePath = file };
            bucket.Objects[name] = created;
        }

        if (replaced is not null && replaced.FilePath != file)
        {
            TryDelete(replaced.FilePath);
        }

        return created;
    }

    private long NextGeneration(DateTimeOffset now)
    {
        var candidate = now.ToUnixTimeMilliseconds() * 1000;
        while (true)
        {
            var last = Interlocked.Read(ref _lastGeneration);
            var next = Math.Max(candidate, last + 1);
            if (Interlocked.CompareExchange(ref _lastGeneration, next, last) == last)
            {
                return next;
            }
        }
    }

    private static async Task<(uint Crc, byte[] Md5)> HashFileAsync(string path)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var crc = Crc32c.Initial;
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
            int n;
            while ((n = await file.ReadAsync(buffer.AsMemory(0, 1024 * 1024))) > 0)
            {
                md5.AppendData(buffer, 0, n);
                crc = Crc32c.Append(crc, buffer.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Crc32c.Finish(crc), md5.GetHashAndReset());
    }

    private static bool TryParseContentRange(string header, long? contentLength, out ContentRangeSpec range)
    {
        range = default;
        if (!header.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var spec = header[6..].Trim();
        var slash = spec.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        var span = spec[..slash];
        var totalText = spec[(slash + 1)..];
        long? total = null;
        if (totalText != "*")
        {
            if (!long.TryParse(totalText, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                return false;
            }

            total = t;
        }

        if (span == "*")
        {
            range = new ContentRangeSpec(null, null, total);
            return contentLength is null or 0;
        }

        var dash = span.IndexOf('-');
        if (dash <= 0
            || !long.TryParse(span[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(span[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || end < start)
        {
            return false;
        }

        range = new ContentRangeSpec(start, end, total);
        return true;
    }

    private static ObjectMetadata? ParseObjectMetadata(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        if (node is not JsonObject o)
        {
            return null;
        }

        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o["metadata"] is JsonObject m)
        {
            foreach (var (key, value) in m)
            {
                if (value is not null)
                {
                    custom[key] = value.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)value! : value.ToJsonString();
                }
            }
        }

        return new ObjectMetadata(NonEmpty((string?)o["name"]), NonEmpty((string?)o["contentType"]), custom, NonEmpty((string?)o["md5Hash"]), NonEmpty((string?)o["crc32c"]));
    }

    private JsonObject ObjectJson(StoredObject o)
    {
        var escaped = Uri.EscapeDataString(o.Bucket) + "/o/" + Uri.EscapeDataString(o.Name);
        var generation = o.Generation.ToString(CultureInfo.InvariantCulture);
        var json = new JsonObject
        {
            ["kind"] = "storage#object",
            ["id"] = o.Bucket + "/" + o.Name + "/" + generation,
            ["selfLink"] = BaseUrl + "/storage/v1/b/" + escaped,
            ["mediaLink"] = BaseUrl + "/download/storage/v1/b/" + escaped + "?generation=" + generation + "&alt=media",
            ["name"] = o.Name,
            ["bucket"] = o.Bucket,
            ["generation"] = generation,
            ["metageneration"] = "1",
            ["contentType"] = o.ContentType,
            ["storageClass"] = "STANDARD",
            ["size"] = o.Length.ToString(CultureInfo.InvariantCulture),
            ["crc32c"] = o.Crc32cBase64,
            ["etag"] = Convert.ToBase64String(Encoding.ASCII.GetBytes("C" + generation + "/1")),
            ["timeCreated"] = Rfc3339(o.Created),
            ["updated"] = Rfc3339(o.Created),
            ["timeStorageClassUpdated"] = Rfc3339(o.Created),
            ["timeFinalized"] = Rfc3339(o.Created),
        };
        if (o.ComponentCount is { } components)
        {
            json["componentCount"] = components;
        }
        else
        {
            json["md5Hash"] = o.Md5Base64;
        }

        if (o.Metadata.Count > 0)
        {
            var custom = new JsonObject();
            foreach (var (key, value) in o.Metadata)
            {
                custom[key] = value;
            }

            json["metadata"] = custom;
        }

        return json;
    }

    private string NewStorageFile() => Path.Combine(_storageRoot.Value, Guid.NewGuid().ToString("N"));

    private void DeleteStorageFiles()
    {
        if (!_storageRoot.IsValueCreated)
        {
            return;
        }

        try
        {
            Directory.Delete(_storageRoot.Value, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void SetFileLength(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.SetLength(length);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private readonly record struct ContentRangeSpec(long? Start, long? End, long? Total);

    private sealed record ObjectMetadata(string? Name, string? ContentType, Dictionary<string, string> Metadata, string? Md5, string? Crc32c);

    private sealed class FakeBucket(string name, string project, string location, string storageClass, DateTimeOffset created)
    {
        public string Name { get; } = name;

        public string Project { get; } = project;

        public string Location { get; } = location;

        public string StorageClass { get; } = storageClass;

        public DateTimeOffset Created { get; } = created;

        /// <summary>Guarded by locking the bucket.</summary>
        public SortedDictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);
    }

    private sealed class UploadSession(string id, string account, FakeBucket bucket, string name, string contentType, ObjectMetadata metadata,
        long? declared, string filePath)
    {
        public string Id { get; } = id;

        public string Account { get; } = account;

        public FakeBucket Bucket { get; } = bucket;

        public string Name { get; } = name;

        public string ContentType { get; } = contentType;

        public ObjectMetadata Metadata { get; } = metadata;

        public long? Declared { get; } = declared;

        public string FilePath { get; } = filePath;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Bytes persisted, always a prefix of the object.</summary>
        public long Committed { get; set; }

        public StoredObject? Result { get; set; }
    }
}

/// <summary>
/// An object version held by the fake Cloud Storage; its bytes live in a file owned by the server, which is deleted
/// when the object is replaced or deleted (read it before that).
/// </summary>
/// <param name="Md5Base64">
/// MD5 of the bytes, base64, as Cloud Storage reports it in <c>md5Hash</c>. (For composite objects Cloud Storage reports
/// no md5Hash, and neither does the fake's JSON; the value here is still the bytes' MD5.)
/// </param>
/// <param name="ComponentCount">For an object made by compose: how many uploaded components it consists of; otherwise null.</param>
public sealed record StoredObject(string Bucket, string Name, long Generation, string ContentType, long Length, string Md5Base64, uint Crc32c,
    IReadOnlyDictionary<string, string> Metadata, DateTimeOffset Created, int? ComponentCount)
{
    internal string FilePath { get; init; } = string.Empty;

    /// <summary>CRC32C as Cloud Storage reports it (<c>crc32c</c>): base64 of the big-endian value.</summary>
    public string Crc32cBase64 => TestKit.Crc32c.ToBase64(Crc32c);

    /// <summary>The object's bytes (reads the backing file; mind the size).</summary>
    public byte[] ReadAllBytes() => File.ReadAllBytes(FilePath);

    public Stream OpenRead() => new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
}
