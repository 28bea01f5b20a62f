// Reads lines "<base64 JSON document>\t<base64 path>" and writes, per line, what Newtonsoft.Json does with them as
// tests/fixtures/newtonsoft-jsonpath records it: {"outcome": "tokens"|"error", "tokens": [...], "single": ...}.
// The document is read with DateParseHandling.None, as that fixture's README says.
using System; using System.IO; using System.Text; using System.Linq; using System.Collections.Generic;
using Newtonsoft.Json; using Newtonsoft.Json.Linq;
class JsonPathCases {
  static string D(string b) { return Encoding.UTF8.GetString(Convert.FromBase64String(b)); }
  static string Tok(JToken t) {
    if (t == null) return "null";
    if (t is JProperty) { var p = (JProperty)t; return "{\"__jproperty__\":{\"name\":" + JsonConvert.ToString(p.Name) + ",\"value\":" + p.Value.ToString(Formatting.None) + "}}"; }
    return t.ToString(Formatting.None);
  }
  static void Main(string[] args) {
    string line; var sb = new StringBuilder();
    while ((line = Console.ReadLine()) != null) {
      var parts = line.Split('\t');
      string json = D(parts[0]); string path = D(parts[1]);
      JToken doc;
      using (var r = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None }) doc = JToken.ReadFrom(r);
      string outcome, tokens = "[]", single;
      try { var l = doc.SelectTokens(path).ToList(); outcome = "tokens"; tokens = "[" + string.Join(",", l.Select(Tok)) + "]"; }
      catch (Exception) { outcome = "error"; tokens = "[]"; }
      try { var s = doc.SelectToken(path); single = s == null ? "null" : Tok(s); }
      catch (JsonException e) when (e.Message.Contains("multiple tokens")) { single = "\"ERROR:multiple\""; }
      catch (Exception) { single = "\"ERROR:exception\""; }
      sb.Append("{\"outcome\":\"" + outcome + "\",\"tokens\":" + tokens + ",\"single\":" + single + "}\n");
    }
    Console.Write(sb.ToString());
  }
}
