// MedTech's own loading of FHIR destination mappings (iomt-fhir's template library, built by build_medtech.sh): reads
// lines "<base64 fhirmapping.json>" and writes, per line, {"templates": [...]} with what CollectionFhirTemplateFactory
// loaded (each template's typeName, periodInterval as its number, category, codes, value, components; a value as
// {"valueType": the class it became, and its members}), {"mappingErrors": [...]} when it reports errors, or
// {"mappingErrors": ["<exception>"]} when the load throws.
using System; using System.Text; using System.Linq; using System.Collections.Generic; using System.Globalization;
using Newtonsoft.Json; using Newtonsoft.Json.Linq; using Microsoft.Health.Fhir.Ingest.Template;
class FhirMappingLoad {
  static JToken Codes(IList<FhirCode> codes) {
    if (codes == null) return JValue.CreateNull();
    return new JArray(codes.Select(c => c == null ? (JToken)JValue.CreateNull() : new JObject { ["code"] = c.Code, ["system"] = c.System, ["display"] = c.Display }));
  }
  static JToken Value(FhirValueType v) {
    if (v == null) return JValue.CreateNull();
    var o = new JObject { ["valueType"] = v.GetType().Name.Replace("FhirValueType", ""), ["valueName"] = v.ValueName };
    if (v is SampledDataFhirValueType s) { o["defaultPeriod"] = s.DefaultPeriod?.ToString(CultureInfo.InvariantCulture); o["unit"] = s.Unit; }
    if (v is QuantityFhirValueType q) { o["unit"] = q.Unit; o["system"] = q.System; o["code"] = q.Code; }
    if (v is CodeableConceptFhirValueType c) { o["text"] = c.Text; o["codes"] = Codes(c.Codes); }
    return o;
  }
  static void Main() {
    string line;
    while ((line = Console.ReadLine()) != null) {
      var result = new JObject();
      try {
        var ctx = (TemplateContext<ILookupTemplate<IFhirTemplate>>)CollectionFhirTemplateFactory.Default.Create(Encoding.UTF8.GetString(Convert.FromBase64String(line.Trim())));
        if (ctx.Errors.Count > 0 || ctx.Template == null) {
          result["mappingErrors"] = new JArray(ctx.Errors.Select(e => e.Message));
        } else {
          var list = new JArray();
          foreach (var t in ((FhirLookupTemplate)ctx.Template).Templates.Cast<CodeValueFhirTemplate>()) {
            list.Add(new JObject {
              ["typeName"] = t.TypeName, ["periodInterval"] = (int)t.PeriodInterval,
              ["category"] = t.Category == null ? (JToken)JValue.CreateNull() : new JArray(t.Category.Select(c => c == null ? (JToken)JValue.CreateNull() : new JObject { ["text"] = c.Text, ["codes"] = Codes(c.Codes) })),
              ["codes"] = Codes(t.Codes), ["value"] = Value(t.Value),
              ["components"] = t.Components == null ? (JToken)JValue.CreateNull() : new JArray(t.Components.Select(c => c == null ? (JToken)JValue.CreateNull() : new JObject { ["codes"] = Codes(c.Codes), ["value"] = Value(c.Value) })),
            });
          }
          result["templates"] = list;
        }
      } catch (Exception e) { result["mappingErrors"] = new JArray(e.GetType().Name + ": " + e.Message); }
      Console.WriteLine(result.ToString(Formatting.None));
    }
  }
}
