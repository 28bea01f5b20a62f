// Reads lines "<base64 body bytes>" and writes, per line, what MedTech's body reader makes of them (a JsonTextReader
// over a UTF-8 StreamReader under JToken.ReadFrom, as iomt-fhir's EventMessageJObjectConverter), in the value
// encoding of tests/fixtures/newtonsoft-bodies: {"outcome": "value", "value": ...} or {"outcome": "error", ...}.
using System; using System.IO; using System.Text; using System.Linq; using System.Numerics; using System.Globalization;
using Newtonsoft.Json; using Newtonsoft.Json.Linq;
class BodyCases {
  static string D(string b) { return Encoding.UTF8.GetString(Convert.FromBase64String(b)); }
  static string W(JToken t) {
    switch (t.Type) {
      case JTokenType.Object: return "{" + string.Join(",", ((JObject)t).Properties().Select(p => JsonConvert.ToString(p.Name) + ":" + W(p.Value))) + "}";
      case JTokenType.Array: return "[" + string.Join(",", ((JArray)t).Select(W)) + "]";
      case JTokenType.Constructor: { var c = (JConstructor)t; return "{\"$constructor\":" + JsonConvert.ToString(c.Name) + ",\"args\":[" + string.Join(",", c.Children().Select(W)) + "]}"; }
      case JTokenType.Null: return "null";
      case JTokenType.Undefined: return "{\"$undefined\":true}";
      case JTokenType.Boolean: return ((bool)((JValue)t).Value) ? "true" : "false";
      case JTokenType.String: return JsonConvert.ToString((string)((JValue)t).Value);
      case JTokenType.Integer: {
        object v = ((JValue)t).Value; BigInteger b = v is BigInteger ? (BigInteger)v : new BigInteger(Convert.ToInt64(v));
        if (BigInteger.Abs(b) > new BigInteger(9007199254740992L)) return "{\"$integer\":\"" + b.ToString(CultureInfo.InvariantCulture) + "\"}";
        return b.ToString(CultureInfo.InvariantCulture); }
      case JTokenType.Float: {
        double d = Convert.ToDouble(((JValue)t).Value, CultureInfo.InvariantCulture);
        if (double.IsNaN(d)) return "{\"$number\":\"NaN\"}"; if (double.IsPositiveInfinity(d)) return "{\"$number\":\"Infinity\"}"; if (double.IsNegativeInfinity(d)) return "{\"$number\":\"-Infinity\"}";
        return d.ToString("R", CultureInfo.InvariantCulture); }
      case JTokenType.Date: {
        var v = ((JValue)t).Value; string s = JsonConvert.SerializeObject(v); string kind = v is DateTime ? ((DateTime)v).Kind.ToString() : "Offset";
        return "{\"$date\":" + s + ",\"kind\":\"" + kind + "\"}"; }
      default: return "{\"$other\":\"" + t.Type + "\"}";
    }
  }
  static void Main() {
    string line; var sb = new StringBuilder();
    var load = new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Ignore };
    while ((line = Console.ReadLine()) != null) {
      byte[] bytes = Convert.FromBase64String(line.Trim()); string text = Encoding.UTF8.GetString(bytes);
      if (text.Length == 0) { sb.Append("{\"outcome\":\"value\",\"value\":null}\n"); continue; }
      try {
        JToken v; using (var r = new JsonTextReader(new StreamReader(new MemoryStream(bytes), Encoding.UTF8))) v = JToken.ReadFrom(r, load);
        sb.Append("{\"outcome\":\"value\",\"value\":" + W(v) + "}\n");
      } catch (JsonReaderException e) { sb.Append("{\"outcome\":\"error\",\"type\":\"JsonReaderException\",\"msg\":" + JsonConvert.ToString(e.Message) + "}\n"); }
        catch (Exception e) { sb.Append("{\"outcome\":\"error\",\"type\":\"" + e.GetType().Name + "\",\"msg\":" + JsonConvert.ToString(e.Message) + "}\n"); }
    }
    Console.Write(sb.ToString());
  }
}
