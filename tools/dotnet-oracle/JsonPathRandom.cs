// Reads lines "<base64 JSON text>\t<base64 path>", reads the text as MedTech does (JsonTextReader defaults: dates on)
// and writes, per line, the tokens SelectTokens yields as {"k": token type, "v": the token as the text wrote it} (a
// token read as a date is shown as its original string), "E <exception>\t[tokens yielded before it]" when it throws,
// or "B ..." when the text is no JSON MedTech reads. A JProperty token is {"k": "Property", "v": {name: value}}.
using System; using System.IO; using System.Text; using System.Linq;
using Newtonsoft.Json; using Newtonsoft.Json.Linq;
class JsonPathRandom {
  static string D(string b) { return Encoding.UTF8.GetString(Convert.FromBase64String(b)); }
  static string Esc(string s) { return JsonConvert.ToString(s); }
  static JToken Raw(JToken t, JToken raw) {
    var steps = new System.Collections.Generic.List<object>();
    JToken cur = t;
    while (cur.Parent != null) {
      var p = cur.Parent;
      if (p is JProperty) { steps.Add(((JProperty)p).Name); cur = p.Parent; }
      else if (p is JArray) { steps.Add(((JArray)p).IndexOf(cur)); cur = p; }
      else return null;
    }
    steps.Reverse();
    JToken r = raw;
    foreach (var st in steps) { if (st is string) r = ((JObject)r).Property((string)st).Value; else r = ((JArray)r)[(int)st]; }
    return r;
  }
  static void Main() {
    string line; var sb = new StringBuilder();
    var load = new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Ignore };
    while ((line = Console.ReadLine()) != null) {
      var parts = line.Split('\t');
      string json = D(parts[0]); string path = D(parts[1]);
      JToken body; JToken raw = null;
      try { using (var r = new JsonTextReader(new StringReader(json))) body = JToken.ReadFrom(r, load); }
      catch (Exception e) { sb.Append("B " + e.GetType().Name + "\n"); continue; }
      try { using (var r2 = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None }) raw = JToken.ReadFrom(r2, load); } catch (Exception) { }
      // Enumerated lazily, as MedTech enumerates a type match: the tokens yielded before a failure are kept.
      var toks = new StringBuilder("[");
      bool first = true;
      try {
        foreach (var t in body.SelectTokens(path)) {
          if (!first) toks.Append(","); first = false;
          if (t == null) { toks.Append("{\"k\":\"csnull\"}"); continue; }
          if (t is JProperty) toks.Append("{\"k\":\"Property\",\"v\":{" + t.ToString(Formatting.None) + "}}"); else { JToken rt = null; try { rt = Raw(t, raw); } catch (Exception) { } toks.Append("{\"k\":\"" + t.Type + "\",\"v\":" + (rt ?? t).ToString(Formatting.None) + "}"); }
        }
        sb.Append(toks).Append("]\n");
      } catch (Exception e) { sb.Append("E " + e.GetType().Name + ": " + e.Message.Replace("\n", " ").Replace("\r", " ").Replace("\t", " ") + "\t" + toks + "]\n"); }
    }
    Console.Write(sb.ToString());
  }
}
