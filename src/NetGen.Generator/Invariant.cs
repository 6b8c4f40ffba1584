using System.Globalization;

namespace NetGen.Generator
{
    /// <summary>The one culture-invariant formatter of the generator: numbers in generated code, in comments and in
    /// diagnostic messages read the same on every machine.</summary>
    internal static class Invariant
    {
        /// <summary>An integer: <c>784</c>.</summary>
        public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A double that round-trips: <c>0.01</c>, <c>1</c>, <c>3.5E+38</c>.</summary>
        public static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>A float that round-trips as a float: <c>0.1</c>, not the double nearest it.</summary>
        public static string Real(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
