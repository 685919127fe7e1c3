using System;
using System.Linq;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Google's standard error body, with every field optional.</summary>
    public sealed class GoogleApiError
    {
        private static readonly Regex ServiceInMessage = new Regex(@"\b([a-z0-9\-]+\.googleapis\.com)\b", RegexOptions.Compiled);

        public int StatusCode { get; private set; }

        public string? Status { get; private set; }

        public string Message { get; private set; } = string.Empty;

        /// <summary><c>details[].reason</c> of the ErrorInfo, else <c>errors[0].reason</c>.</summary>
        public string? Reason { get; private set; }

        /// <summary>True for 403 <c>SERVICE_DISABLED</c> / <c>accessNotConfigured</c>.</summary>
        public bool IsServiceDisabled { get; private set; }

        /// <summary>The disabled service, e.g. <c>compute.googleapis.com</c>, when the body names it.</summary>
        public string? DisabledService { get; private set; }

        public static GoogleApiError Parse(int statusCode, string body)
        {
            var error = new GoogleApiError { StatusCode = statusCode, Message = "HTTP " + statusCode };
            JObject? inner = null;
            try
            {
                inner = JObject.Parse(body)["error"] as JObject;
            }
            catch (JsonException)
            {
            }

            if (inner is null)
            {
                return error;
            }

            error.Status = (string?)inner["status"];
            error.Message = (string?)inner["message"] ?? error.Message;
            var errorInfo = (inner["details"] as JArray)?.OfType<JObject>()
                .FirstOrDefault(d => ((string?)d["@type"])?.EndsWith("google.rpc.ErrorInfo", StringComparison.Ordinal) == true);
            var legacyReasons = (inner["errors"] as JArray)?.OfType<JObject>().Select(e => (string?)e["reason"]).Where(r => r != null).ToList();
            error.Reason = (string?)errorInfo?["reason"] ?? legacyReasons?.FirstOrDefault();
            error.IsServiceDisabled = (string?)errorInfo?["reason"] == "SERVICE_DISABLED"
                || legacyReasons?.Contains("accessNotConfigured") == true;
            if (error.IsServiceDisabled)
            {
                error.DisabledService = (string?)errorInfo?["metadata"]?["service"] ?? ServiceInMessage.Match(error.Message).Groups[1].Value;
                if (error.DisabledService?.Length == 0)
                {
                    error.DisabledService = null;
                }
            }

            return error;
        }
    }
}
