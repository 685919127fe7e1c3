using System.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Aws
{
    internal static class AwsJson
    {
        /// <summary>Parses JSON keeping timestamps as the strings they are (Json.NET would turn them into local dates).</summary>
        public static JObject Parse(string text)
        {
            using (var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None })
            {
                return JObject.Load(reader);
            }
        }
    }
}
