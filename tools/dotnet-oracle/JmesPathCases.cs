// Reads lines "<base64 JSON data>\t<base64 expression>" and writes, per line, what JmesPath.Net (1.0.204, the
// version before MedTech's 1.0.205) with MedTech's functions (built from iomt-fhir's sources) makes of them:
// {"outcome": "value", "projection": …, "value": …} (non-ASCII escaped), or {"outcome": "error", …}.
using System; using System.IO; using System.Text; using System.Linq;
using DevLab.JmesPath; using DevLab.JmesPath.Functions; using Newtonsoft.Json; using Newtonsoft.Json.Linq;
class JmesPathCases {
  static string Ascii(JToken t) { var sw = new StringWriter(); using (var w = new JsonTextWriter(sw) { StringEscapeHandling = StringEscapeHandling.EscapeNonAscii }) t.WriteTo(w); return sw.ToString(); }
  static string D(string b) { return Encoding.UTF8.GetString(Convert.FromBase64String(b)); }
  static void Main() {
    var jp = new JmesPath();
    var fnType = typeof(JmesPathFunction);
    foreach (var t in typeof(Microsoft.Health.Expressions.DivideFunction).Assembly.GetTypes().Where(t => fnType.IsAssignableFrom(t) && !t.IsAbstract && t.Namespace == "Microsoft.Health.Expressions")) {
      var f = (JmesPathFunction)Activator.CreateInstance(t); jp.FunctionRepository.Register(f.Name, f);
    }
    string line; var sb = new StringBuilder();
    while ((line = Console.ReadLine()) != null) {
      var parts = line.Split('\t');
      try {
        JToken data; using (var r = new JsonTextReader(new StringReader(D(parts[0])))) data = JToken.ReadFrom(r);
        var arg = jp.Parse(D(parts[1])).Transform(data);
        var tok = arg.AsJToken();
        sb.Append("{\"outcome\":\"value\",\"projection\":" + (arg.IsProjection ? "true" : "false") + ",\"value\":" + Ascii(tok) + "}\n");
      } catch (Exception e) { sb.Append("{\"outcome\":\"error\",\"type\":" + JsonConvert.ToString(e.GetType().Name) + ",\"msg\":" + JsonConvert.ToString(e.Message) + "}\n"); }
    }
    Console.Write(sb.ToString());
  }
}
