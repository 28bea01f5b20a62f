// The one call of the EnsureThat package that iomt-fhir's JMESPath functions make, so that they build without it.
namespace EnsureThat {
  public static class EnsureArg {
    public static T IsNotNull<T>(T value, string name = null) where T : class {
      if (value == null) throw new System.ArgumentNullException(name);
      return value;
    }
  }
}
