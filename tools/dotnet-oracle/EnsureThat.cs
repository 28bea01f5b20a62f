// The calls of the EnsureThat package that iomt-fhir's template library and JMESPath functions make, so that they
// build without it (argument checks only).
using System; using System.Collections.Generic; using System.Linq;
namespace EnsureThat {
  public class EnsureOptions { }
  public static class EnsureArg {
    public static T IsNotNull<T>(T value, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) where T : class {
      if (value == null) throw new ArgumentNullException(paramName); return value; }
    public static T? IsNotNull<T>(T? value, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) where T : struct {
      if (value == null) throw new ArgumentNullException(paramName); return value; }
    public static string IsNotNullOrEmpty(string value, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) {
      if (string.IsNullOrEmpty(value)) throw new ArgumentException(paramName); return value; }
    public static string IsNotNullOrWhiteSpace(string value, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) {
      if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException(paramName); return value; }
    public static string IsNotEmptyOrWhiteSpace(string value, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) {
      if (value != null && value.Trim().Length == 0) throw new ArgumentException(paramName); return value; }
    public static T HasItems<T>(T value, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) where T : class, System.Collections.ICollection {
      if (value == null || value.Count == 0) throw new ArgumentException(paramName); return value; }
    public static object IsOfType(object value, Type type, string paramName = null, Func<EnsureOptions, EnsureOptions> optsFn = null) {
      if (!type.IsInstanceOfType(value)) throw new ArgumentException(paramName); return value; }
  }
}
