using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Quantization
{
    /// <summary>Exp, sigmoid and tanh in float from additions, multiplications and one division only, in a fixed order:
    /// IEEE 754 makes each of those exact to the rounding, so these give the same bits on every instruction path and on
    /// every machine (the C library's <c>expf</c> need not). Accuracy: within 1 unit in the last place for
    /// <see cref="Exp(float)"/>, which the int8 layers' 7-bit activations do not resolve.</summary>
    internal static class PortableMath
    {
        private const float Log2E = 1.44269504f, Ln2High = 0.693145752f, Ln2Low = 1.42860677e-06f, Magic = 12582912f;

        /// <summary>e^x: x = n ln 2 + r with |r| &lt;= ln 2 / 2 (Cody and Waite's two-part ln 2), e^r by its Taylor
        /// polynomial of degree 7, times 2^n built from its bits. Compiled optimised at its first call, as the int8 passes
        /// that call it are: otherwise it runs unoptimised until tiering promotes it, at least 100 ms into a process
        /// (L's output step took 47 ns in a stopwatch run that short, and 35 to 38 ns with this; 29 once tiered up).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float Exp(float x)
        {
            if (float.IsNaN(x))
            {
                return x;
            }

            if (x < -87.33f)
            {
                return 0; // below the smallest normal float
            }

            if (x > 88.72f)
            {
                return float.PositiveInfinity;
            }

            float n = ((x * Log2E) + Magic) - Magic; // round(x / ln 2), ties to even
            float r = (x - (n * Ln2High)) - (n * Ln2Low);
            float p = 1f + (r * (1f + (r * (0.5f + (r * (0.166666672f + (r * (0.0416666679f + (r * (0.00833333377f + (r * (0.00138888892f + (r * 0.000198412701f)))))))))))));
            int e = (int)n; // -126 to 128
            return e > 127 ? p * 2f * Pow2(e - 1) : p * Pow2(e);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Pow2(int e) => BitConverter.Int32BitsToSingle((e + 127) << 23);

        /// <summary><see cref="Exp(float)"/> in four lanes: the same operations in the same order on each, so the same
        /// bits (the JIT fuses no multiply-add it is not asked for); the special cases are selected at the end instead of
        /// branched on.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Exp(Vector128<float> x)
        {
            Vector128<float> n = ((x * Log2E) + Vector128.Create(Magic)) - Vector128.Create(Magic);
            Vector128<float> r = (x - (n * Ln2High)) - (n * Ln2Low);
            Vector128<float> one = Vector128<float>.One;
            Vector128<float> p = one + (r * (one + (r * (Vector128.Create(0.5f) + (r * (Vector128.Create(0.166666672f) + (r * (Vector128.Create(0.0416666679f) + (r * (Vector128.Create(0.00833333377f) + (r * (Vector128.Create(0.00138888892f) + (r * 0.000198412701f)))))))))))));
            Vector128<int> e = Vector128.ConvertToInt32(n); // whole already; lanes out of range are replaced below
            Vector128<float> result = Vector128.ConditionalSelect(
                Vector128.GreaterThan(e, Vector128.Create(127)).AsSingle(),
                (p * 2f) * Pow2(e - Vector128<int>.One),
                p * Pow2(e));
            result = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(88.72f)), Vector128.Create(float.PositiveInfinity), result);
            result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(-87.33f)), Vector128<float>.Zero, result);
            return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x); // NaN stays NaN
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Pow2(Vector128<int> e) => Vector128.ShiftLeft(e + Vector128.Create(127), 23).AsSingle();

        /// <summary>1 / (1 + e^-x).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

        /// <summary>tanh x = 2 sigmoid(2x) - 1 (absolute error about 1e-7 near 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float Tanh(float x) => (2f * Sigmoid(2f * x)) - 1f;
    }
}
