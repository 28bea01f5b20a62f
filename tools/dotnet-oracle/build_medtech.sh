#!/usr/bin/env bash
# Builds MedTech's normalization and FHIR mapping loading (iomt-fhir's Microsoft.Health.Fhir.Ingest.Template, with the
# Schema, Expressions, Common and Logging code it uses) on Mono, into a work directory where run.sh and
# build_jmespath.sh have built Newtonsoft.Json and JmesPath.Net (see README.md).
# Usage: build_medtech.sh <work directory> <iomt-fhir git dir>
set -euo pipefail
work=$(cd "${1:?work directory}" && pwd); iomt=${2:?iomt-fhir git dir}
here=$(cd "$(dirname "$0")" && pwd)
b="$work/medtech-build"; rm -rf "$b"; mkdir -p "$b"
lib=src/lib
git -C "$iomt" archive HEAD "$lib/Microsoft.Health.Fhir.Ingest.Template" "$lib/Microsoft.Health.Fhir.Ingest.Schema" \
  "$lib/Microsoft.Health.Common" "$lib/Microsoft.Health.Logger" "$lib/Microsoft.Health.Expressions" | tar x -C "$b"
t="$b/$lib/Microsoft.Health.Fhir.Ingest.Template"
# Three C# 8+ constructs mcs does not read: access modifiers in an interface, a switch expression, ??=.
python3 - "$t" <<'PY'
import sys
t = sys.argv[1]
def edit(name, old, new):
    path = t + '/' + name
    text = open(path, encoding='utf-8-sig').read()
    assert old in text, (name, old)
    open(path, 'w', encoding='utf-8').write(text.replace(old, new))
for member in ('int LineNumber', 'int LinePosition', 'bool HasLineInfo'):
    edit('ILineInfo.cs', 'public ' + member, member)
edit('TemplateExpressionEvaluatorFactory.cs', '''            return expression.Language switch
            {
                TemplateExpressionLanguage.JsonPath => new JsonPathExpressionEvaluator(expression.Value, lineInfo),
                TemplateExpressionLanguage.JmesPath => new JmesPathExpressionEvaluator(_jmesPath, expression.Value, lineInfo),
                _ => throw new TemplateExpressionException($"Unsupported Expression Language: {expression?.Language}", lineInfo)
            };''', '''            switch (expression.Language)
            {
                case TemplateExpressionLanguage.JsonPath: return new JsonPathExpressionEvaluator(expression.Value, lineInfo);
                case TemplateExpressionLanguage.JmesPath: return new JmesPathExpressionEvaluator(_jmesPath, expression.Value, lineInfo);
                default: throw new TemplateExpressionException($"Unsupported Expression Language: {expression?.Language}", lineInfo);
            }''')
edit('CalculatedFunctionContentTemplateExtensions.cs', 'tuple.expression.Language ??= template.DefaultExpressionLanguage;',
     'tuple.expression.Language = tuple.expression.Language ?? template.DefaultExpressionLanguage;')
PY
# The template library alone (device content and FHIR mapping loading; turning templates into Observations is in
# the R4 library, which needs Hl7.Fhir), without Common's and Logging's Azure parts, which need their SDKs.
sources=$(ls "$t"/*.cs "$t"/Serialization/*.cs "$t"/Serialization/Extensions/*.cs)
common=$(find "$b/$lib/Microsoft.Health.Common" "$b/$lib/Microsoft.Health.Logger" -name '*.cs' |
  grep -v -E '/Auth/|/Storage/|/DependencyInjection/|/Service/|IomtTelemetryLogger|TelemetryExtensions')
mcs -target:library -langversion:experimental -nowarn:0618,0414,0169 -out:"$work/MedTech.Template.dll" \
  -r:"$work/Newtonsoft.Json.dll" -r:"$work/JmesPath.Net.dll" -r:System.ComponentModel.DataAnnotations.dll \
  -r:System.Core.dll -r:System.Runtime.Serialization.dll "$here/EnsureThat.cs" $sources \
  "$b/$lib"/Microsoft.Health.Fhir.Ingest.Schema/*.cs "$b/$lib"/Microsoft.Health.Expressions/*.cs $common
mcs -nowarn:0618 -out:"$work/MedTechNormalize.exe" -r:"$work/MedTech.Template.dll" -r:"$work/Newtonsoft.Json.dll" \
  -r:"$work/JmesPath.Net.dll" -r:System.Core.dll -r:System.ComponentModel.DataAnnotations.dll "$here/MedTechNormalize.cs"
mcs -nowarn:0618 -out:"$work/FhirMappingLoad.exe" -r:"$work/MedTech.Template.dll" -r:"$work/Newtonsoft.Json.dll" \
  -r:System.Core.dll -r:System.ComponentModel.DataAnnotations.dll "$here/FhirMappingLoad.cs"
echo "built $work/MedTechNormalize.exe and $work/FhirMappingLoad.exe"
