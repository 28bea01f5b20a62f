// MedTech's own normalization (iomt-fhir's template library, built by build_medtech.sh): loads a device mapping
// (argument 1) with the four content template factories MedTech registers, then reads lines "<base64 message file>"
// (a body, or an envelope {Body, Properties, SystemProperties} as tests/fixtures/normalization writes them) and writes,
// per message, {"measurements": [...]} and, when a match failed, "error" (MedTech stops the message there). Without an
// argument, each line is "<base64 mapping>\t<base64 message file>", and a mapping MedTech refuses gives
// {"mappingErrors": [...]}.
using System; using System.IO; using System.Text; using System.Linq; using System.Collections.Generic; using System.Globalization;
using DevLab.JmesPath; using DevLab.JmesPath.Functions; using Newtonsoft.Json; using Newtonsoft.Json.Linq;
using Microsoft.Health.Fhir.Ingest.Template; using Microsoft.Health.Logging.Telemetry; using Microsoft.Health.Common.Telemetry;
class NoLogger : ITelemetryLogger { public void LogMetric(Metric m, double v) {} public void LogError(Exception e) {} public void LogTrace(string m) {} }
class MedTechNormalize {
  static object Plain(JToken t) {
    switch (t.Type) {
      case JTokenType.String: return (string)t; case JTokenType.Integer: return (long)t; case JTokenType.Float: return (double)t;
      case JTokenType.Boolean: return (bool)t; case JTokenType.Null: return null;
      default: return t.ToString(Formatting.None);
    }
  }
  static Dictionary<string, object> Dict(JToken t) {
    var d = new Dictionary<string, object>(); if (t is JObject o) foreach (var p in o.Properties()) d[p.Name] = Plain(p.Value); return d;
  }
  static void Main(string[] args) {
    var jp = new JmesPath();
    var fnType = typeof(JmesPathFunction);
    foreach (var t in typeof(Microsoft.Health.Expressions.DivideFunction).Assembly.GetTypes().Where(t => fnType.IsAssignableFrom(t) && !t.IsAbstract && t.Namespace == "Microsoft.Health.Expressions")) {
      var f = (JmesPathFunction)Activator.CreateInstance(t); jp.FunctionRepository.Register(f.Name, f);
    }
    var ef = new TemplateExpressionEvaluatorFactory(jp);
    var factory = new CollectionContentTemplateFactory(new JsonPathContentTemplateFactory(), new IotJsonPathContentTemplateFactory(), new IotCentralJsonPathContentTemplateFactory(), new CalculatedFunctionContentTemplateFactory(ef, new NoLogger()));
    IContentTemplate fixedTemplate = null;
    if (args.Length > 0) {
      var ctx = (TemplateContext<IContentTemplate>)factory.Create(File.ReadAllText(args[0]));
      if (ctx.Errors.Count > 0 || ctx.Template == null) { Console.WriteLine(JsonConvert.SerializeObject(new { mappingErrors = ctx.Errors.Select(e => e.Message).ToArray() })); return; }
      fixedTemplate = ctx.Template;
    }
    string line;
    while ((line = Console.ReadLine()) != null) {
      var cols = line.Trim().Split('\t');
      var template = fixedTemplate;
      if (template == null) {
        try {
          var ctx = (TemplateContext<IContentTemplate>)factory.Create(Encoding.UTF8.GetString(Convert.FromBase64String(cols[0])));
          if (ctx.Errors.Count > 0 || ctx.Template == null) { Console.WriteLine(JsonConvert.SerializeObject(new { mappingErrors = ctx.Errors.Select(e => e.Message).ToArray() })); continue; }
          template = ctx.Template;
        } catch (Exception e) { Console.WriteLine(JsonConvert.SerializeObject(new { mappingErrors = new[] { e.GetType().Name + ": " + e.Message } })); continue; }
      }
      byte[] file = Convert.FromBase64String(cols[cols.Length - 1]);
      byte[] body = file; JToken props = null, sysProps = null;
      string text = Encoding.UTF8.GetString(file).TrimStart('\ufeff');
      if (text.TrimStart().StartsWith("{")) {
        try { JObject env; using (var er = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None }) env = JObject.Load(er); if (env["Body"] != null) { body = Encoding.UTF8.GetBytes(env["Body"].ToString(Formatting.None)); props = env["Properties"]; sysProps = env["SystemProperties"]; } } catch (Exception) { }
      }
      var result = new JObject();
      try {
        JToken bodyToken = null;
        if (body.Length > 0) using (var r = new JsonTextReader(new StreamReader(new MemoryStream(body), Encoding.UTF8))) bodyToken = JToken.ReadFrom(r, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Ignore });
        var token = new JObject();
        token["Body"] = bodyToken;
        token["Properties"] = JToken.FromObject(Dict(props));
        token["SystemProperties"] = JToken.FromObject(Dict(sysProps));
        var ms = new JArray();
        result["measurements"] = ms;
        foreach (var m in template.GetMeasurements(token)) {
          var o = new JObject { ["type"] = m.Type, ["occurrenceTimeUtc"] = m.OccurrenceTimeUtc.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture), ["deviceId"] = m.DeviceId, ["patientId"] = m.PatientId, ["encounterId"] = m.EncounterId, ["correlationId"] = m.CorrelationId, ["kind"] = m.OccurrenceTimeUtc.Kind.ToString() };
          o["properties"] = new JArray(m.Properties.Select(p => new JObject { ["name"] = p.Name, ["value"] = p.Value }));
          ms.Add(o);
        }
      } catch (Exception e) { result["error"] = e.GetType().Name + ": " + e.Message; }
      Console.WriteLine(result.ToString(Formatting.None));
    }
  }
}
