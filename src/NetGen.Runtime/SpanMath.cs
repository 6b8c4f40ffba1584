using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Runtime
{
    /// <summary>The float span operations that the per-sample passes need, in this assembly and inlined into the runtime's
    /// public helpers (<see cref="Activations"/>, <see cref="Losses"/>, <see cref="Kernels"/>), which are compiled fully
    /// optimised on their first call (<see cref="MethodImplOptions.AggressiveOptimization"/>). Inlined, so that a helper
    /// such as softmax is one compilation, not five: each costs about a millisecond on this project's machine, and the
    /// first call of a network waits for all of them (docs/performance.md, cold start).</summary>
    /// <remarks>
    /// <para>Why not TensorPrimitives: a method of another assembly starts as tier-0 code (unoptimised, nothing inlined)
    /// and is promoted only after 30 calls and a 100 ms pause in new compilations; System.Numerics.Tensors' ready-to-run
    /// code is not used on AVX-512 machines. A network's first tens of thousands of calls, a game's first frames or a
    /// command-line tool's whole run, therefore ran TensorPrimitives at tier 0 (issue 15; the cold-start figures are in
    /// docs/performance.md). The batched and training-level code, whose calls are long, still uses TensorPrimitives.</para>
    /// <para>Float only, written for float: generic math over <c>T</c> took the JIT several times longer to compile
    /// (softmax: about 5 ms against 1.5). Double networks keep TensorPrimitives. The elementwise operations other than
    /// the exponential round exactly as their TensorPrimitives namesakes (tested bit for bit). The exponential is this
    /// class's own (see <see cref="VectorExp"/>): within an ulp of the exact value, as TensorPrimitives.Exp is, but not
    /// always the same float. The reductions (<see cref="Sum"/>, <see cref="Dot"/>) add in their own order (see
    /// <c>Reduce</c>). Every operation covers a span's tail with a last whole vector where the span holds one, so a
    /// network's 10 outputs take two vectors, not a vector and two scalar steps.</para>
    /// </remarks>
    internal static class SpanMath
    {
        /// <summary><c>max_i x_i</c>; NaN if any value is NaN. <paramref name="x"/> must not be empty.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Max(ReadOnlySpan<float> x)
        {
            if (x.IsEmpty)
            {
                ThrowEmpty();
            }

            if (!Vector.IsHardwareAccelerated || x.Length < Vector<float>.Count)
            {
                float max = x[0];
                for (int k = 1; k < x.Length; k++)
                {
                    max = MathF.Max(max, x[k]);
                }

                return max;
            }

            // The last vector may overlap the one before it: a maximum does not mind seeing a value twice.
            Vector<float> m = Load(x, x.Length - Vector<float>.Count);
            for (int i = 0; i < x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                m = Vector.Max(m, Load(x, i));
            }

            float result = m[0];
            for (int lane = 1; lane < Vector<float>.Count; lane++)
            {
                result = MathF.Max(result, m[lane]);
            }

            return result;
        }

        /// <summary><c>sum_i x_i</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(ReadOnlySpan<float> x) => Reduce(x, x, default(SumTerms));

        /// <summary><c>sum_i x_i y_i</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        {
            Same(x.Length, y.Length);
            return Reduce(x, y, default(Product));
        }

        /// <summary><c>z_i = max(x_i, c)</c>; NaN propagates.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Max(ReadOnlySpan<float> x, float c, Span<float> z) => Apply(x, c, z, default(MaxOf));

        /// <summary><c>z_i = max(x_i, y_i)</c>; NaN propagates.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Max(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => Apply(x, y, z, default(MaxOf));

        /// <summary><c>z_i = min(x_i, c)</c>; NaN propagates.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Min(ReadOnlySpan<float> x, float c, Span<float> z) => Apply(x, c, z, default(MinOf));

        /// <summary><c>z_i = x_i - y_i</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => Apply(x, y, z, default(Difference));

        /// <summary><c>z_i = x_i - c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Subtract(ReadOnlySpan<float> x, float c, Span<float> z) => Apply(x, c, z, default(Difference));

        /// <summary><c>z_i = x_i y_i</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => Apply(x, y, z, default(Product));

        /// <summary><c>z_i = x_i c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Multiply(ReadOnlySpan<float> x, float c, Span<float> z) => Apply(x, c, z, default(Product));

        /// <summary><c>z_i = x_i c + y_i</c>, rounded twice (a multiply, then an add), as TensorPrimitives.MultiplyAdd.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MultiplyAdd(ReadOnlySpan<float> x, float c, ReadOnlySpan<float> y, Span<float> z) =>
            Apply(x, y, z, new ScaledSum(c));

        /// <summary><c>z_i = x_i / c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Divide(ReadOnlySpan<float> x, float c, Span<float> z) => Apply(x, c, z, default(Quotient));

        /// <summary><c>sum_i f(x_i, y_i)</c>: one vector of partial sums over whole vectors, plus the last vector with the
        /// lanes that an earlier vector already covered masked to zero, then the lanes in order. Shorter spans sum in
        /// order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Reduce<TTerms>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, TTerms terms) where TTerms : struct, IBinary
        {
            if (!Vector.IsHardwareAccelerated || x.Length < Vector<float>.Count)
            {
                float sum = 0f;
                for (int k = 0; k < x.Length; k++)
                {
                    sum += terms.Invoke(x[k], y[k]);
                }

                return sum;
            }

            Vector<float> s = Vector<float>.Zero;
            int i = 0;
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                s += terms.Invoke(Load(x, i), Load(y, i));
            }

            if (i < x.Length)
            {
                int last = x.Length - Vector<float>.Count;
                s += Simd.KeepLast(terms.Invoke(Load(x, last), Load(y, last)), x.Length - i);
            }

            return Vector.Sum(s);
        }

        /// <summary><c>z_i = f(x_i, y_i)</c>. The last vector overlaps the one before it when the length is not a multiple
        /// of the width; it is computed before anything is stored, so a z that aliases x or y (the same span) still reads
        /// the original values. Spans shorter than a vector go value by value.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Apply<TOperation>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOperation operation)
            where TOperation : struct, IBinary
        {
            Same(x.Length, y.Length, z.Length);
            if (!Vector.IsHardwareAccelerated || x.Length < Vector<float>.Count)
            {
                for (int k = 0; k < x.Length; k++)
                {
                    z[k] = operation.Invoke(x[k], y[k]);
                }

                return;
            }

            int last = x.Length - Vector<float>.Count;
            Vector<float> tail = operation.Invoke(Load(x, last), Load(y, last));
            for (int i = 0; i < last; i += Vector<float>.Count)
            {
                Store(operation.Invoke(Load(x, i), Load(y, i)), z, i);
            }

            Store(tail, z, last);
        }

        /// <summary><c>z_i = f(x_i, c)</c>, as the overload over two spans.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Apply<TOperation>(ReadOnlySpan<float> x, float c, Span<float> z, TOperation operation)
            where TOperation : struct, IBinary
        {
            Same(x.Length, z.Length);
            if (!Vector.IsHardwareAccelerated || x.Length < Vector<float>.Count)
            {
                for (int k = 0; k < x.Length; k++)
                {
                    z[k] = operation.Invoke(x[k], c);
                }

                return;
            }

            var v = new Vector<float>(c);
            int last = x.Length - Vector<float>.Count;
            Vector<float> tail = operation.Invoke(Load(x, last), v);
            for (int i = 0; i < last; i += Vector<float>.Count)
            {
                Store(operation.Invoke(Load(x, i), v), z, i);
            }

            Store(tail, z, last);
        }

        private interface IBinary
        {
            float Invoke(float x, float y);

            Vector<float> Invoke(Vector<float> x, Vector<float> y);
        }

        private readonly struct SumTerms : IBinary
        {
            public float Invoke(float x, float y) => x;

            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => x;
        }

        private readonly struct MaxOf : IBinary
        {
            public float Invoke(float x, float y) => MathF.Max(x, y);

#if NET9_0_OR_GREATER
            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => Vector.Max(x, y); // IEEE 754 maximum: a NaN stays
#else
            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => KeepNaN(x, y, Vector.Max(x, y));
#endif
        }

        private readonly struct MinOf : IBinary
        {
            public float Invoke(float x, float y) => MathF.Min(x, y);

#if NET9_0_OR_GREATER
            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => Vector.Min(x, y); // IEEE 754 minimum: a NaN stays
#else
            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => KeepNaN(x, y, Vector.Min(x, y));
#endif
        }

#if !NET9_0_OR_GREATER
        /// <summary><paramref name="result"/> with x where x is NaN, else y where y is NaN: what .NET 9 and later's
        /// <c>Vector.Max</c> and <c>Min</c> give, and <c>MathF.Max</c> and <c>Min</c> on every runtime. .NET 8's vector
        /// forms return the second operand for a NaN (<c>maxps</c>), so without this a ReLU there would map NaN to 0 in its
        /// vector lanes and keep it in its scalar tail.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> KeepNaN(Vector<float> x, Vector<float> y, Vector<float> result) =>
            Vector.ConditionalSelect(Vector.Equals(x, x), Vector.ConditionalSelect(Vector.Equals(y, y), result, y), x);
#endif

        private readonly struct Difference : IBinary
        {
            public float Invoke(float x, float y) => x - y;

            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => x - y;
        }

        private readonly struct Product : IBinary
        {
            public float Invoke(float x, float y) => x * y;

            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => x * y;
        }

        private readonly struct Quotient : IBinary
        {
            public float Invoke(float x, float y) => x / y;

            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => x / y;
        }

        /// <summary><c>x c + y</c>.</summary>
        private readonly struct ScaledSum(float c) : IBinary
        {
            public float Invoke(float x, float y) => (x * c) + y;

            public Vector<float> Invoke(Vector<float> x, Vector<float> y) => (x * new Vector<float>(c)) + y;
        }

        /// <summary>Softmax, <c>h_k = e^(a_k - m) / sum_j e^(a_j - m)</c> with <c>m = max_j a_j</c>, for a span of one to
        /// two vectors (a classifier's 10 outputs): the two vectors, the second overlapping the first, stay in registers
        /// from the load of <paramref name="a"/> to the store of <paramref name="h"/>. The passes of the general form
        /// read back what the previous pass stored, and with an overlapping last vector such a load spans two stores and
        /// waits for both to reach the cache (a store-forwarding stall); M's forward pass spent a fifth of its time there.
        /// Rounds as the general form: the same exponential and quotient per value, the sum in <c>Reduce</c>'s order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TrySoftmaxInRegisters(ReadOnlySpan<float> a, Span<float> h)
        {
            int n = a.Length;
            if (!Vector.IsHardwareAccelerated || n < Vector<float>.Count || n > 2 * Vector<float>.Count || h.Length != n)
            {
                return false;
            }

            int last = n - Vector<float>.Count;
            Vector<float> first = Load(a, 0), second = Load(a, last);
            Vector<float> top = Vector.Max(first, second);
            float m = top[0];
            for (int lane = 1; lane < Vector<float>.Count; lane++)
            {
                m = MathF.Max(m, top[lane]);
            }

            var shift = new Vector<float>(m);
            Vector<float> e0 = VectorExp(first - shift), e1 = VectorExp(second - shift);
            Vector<float> s = e0;
            if (last == 0)
            {
                // One whole vector: the second is the first.
            }
            else if (last >= Vector<float>.Count)
            {
                s += e1;
            }
            else
            {
                s += Simd.KeepLast(e1, n - Vector<float>.Count);
            }

            var sum = new Vector<float>(Vector.Sum(s));
            Store(e1 / sum, h, last);
            Store(e0 / sum, h, 0);
            return true;
        }

        /// <summary>Softmax of any length in passes (the largest value, the shifted exponentials, their sum, the quotients),
        /// where <see cref="TrySoftmaxInRegisters"/> does not apply. Its own method, not inlined: its exponentials are a
        /// large body of vector code, and a pass that inlines it pays for compiling it on its first call even when, as for
        /// a classifier's 10 outputs, it never runs (L's first <c>Forward</c> took about 21 ms to compile with it inlined).</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Softmax(ReadOnlySpan<float> x, Span<float> y)
        {
            float m = Max(x);
            Subtract(x, m, y);
            Exp(y, y);
            Divide(y, Sum(y), y);
        }

        /// <summary><c>z_i = e^(x_i)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Exp(ReadOnlySpan<float> x, Span<float> z) => Map<ExpFunction>(x, z);

        /// <summary><c>z_i = 1 / (1 + e^(-x_i))</c>, formed as TensorPrimitives.Sigmoid forms it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Sigmoid(ReadOnlySpan<float> x, Span<float> z) => Map<SigmoidFunction>(x, z);

        /// <summary>Applies a function built on the exponential to every value, in vectors whatever the span's length and
        /// the value's position, so each value gets the same rounding: the tail is the last whole vector, overlapping the
        /// one before it, and a span shorter than a vector goes through one padded vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Map<TFunction>(ReadOnlySpan<float> x, Span<float> z) where TFunction : struct, IVectorFunction
        {
            Same(x.Length, z.Length);
            if (!Vector.IsHardwareAccelerated)
            {
                for (int k = 0; k < x.Length; k++)
                {
                    z[k] = TFunction.Invoke(x[k]);
                }

                return;
            }

            if (x.Length < Vector<float>.Count)
            {
                // A local vector, not stackalloc: a method with stackalloc is never inlined.
                Vector<float> padded = Vector<float>.Zero;
                ref float lane = ref Unsafe.As<Vector<float>, float>(ref padded);
                x.CopyTo(MemoryMarshal.CreateSpan(ref lane, Vector<float>.Count));
                padded = TFunction.Invoke(padded);
                MemoryMarshal.CreateReadOnlySpan(ref lane, x.Length).CopyTo(z);
                return;
            }

            // The tail is computed before any store, so an aliased z (z == x) still reads the original values.
            int last = x.Length - Vector<float>.Count;
            Vector<float> tail = TFunction.Invoke(Load(x, last));
            for (int i = 0; i < last; i += Vector<float>.Count)
            {
                Store(TFunction.Invoke(Load(x, i)), z, i);
            }

            Store(tail, z, last);
        }

        private interface IVectorFunction
        {
            static abstract float Invoke(float x);

            static abstract Vector<float> Invoke(Vector<float> x);
        }

        private readonly struct ExpFunction : IVectorFunction
        {
            public static float Invoke(float x) => MathF.Exp(x);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector<float> Invoke(Vector<float> x) => VectorExp(x);
        }

        private readonly struct SigmoidFunction : IVectorFunction
        {
            public static float Invoke(float x) => 1f / (1f + MathF.Exp(-x));

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector<float> Invoke(Vector<float> x) => Vector<float>.One / (Vector<float>.One + VectorExp(-x));
        }

        /// <summary><c>e^x</c> for a vector of floats, evaluated in double and rounded once to float, so that it is within
        /// an ulp of the exact value and almost always the float nearest to it: <c>e^x = 2^t</c> with <c>t = x log2(e)</c>,
        /// split as <c>t = n + f</c> (<c>n</c> the nearest integer, <c>|f| &lt;= 1/2</c>); <c>2^f</c> is the Taylor
        /// polynomial of <c>e^(f ln 2)</c> to degree 9 (relative error below 2e-11) and <c>2^n</c> is put in the exponent
        /// bits. Inputs are clamped to [-104, 89], past which every float result is 0 or infinity, so the exponent never
        /// leaves double's range; NaN propagates.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> VectorExp(Vector<float> x)
        {
            Vector.Widen(Vector.Min(Vector.Max(x, new Vector<float>(-104f)), new Vector<float>(89f)), out Vector<double> low, out Vector<double> high);
            Vector<float> e = Vector.Narrow(Exp2Of(low * new Vector<double>(Log2E)), Exp2Of(high * new Vector<double>(Log2E)));
            return Vector.ConditionalSelect(Vector.Equals(x, x), e, x);
        }

        private const double Log2E = 1.4426950408889634;

        /// <summary>1.5 * 2^52: adding it rounds a double of magnitude below 2^51 to an integer, found in the low bits.</summary>
        private const double RoundingShift = 6755399441055744.0;

        /// <summary><c>2^t</c> for <c>|t| &lt; 1022</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<double> Exp2Of(Vector<double> t)
        {
            Vector<double> shifted = t + new Vector<double>(RoundingShift);
            Vector<double> f = t - (shifted - new Vector<double>(RoundingShift));

            // ln(2)^k / k!, k = 9 down to 0.
            Vector<double> p = new(1.0178086009239699e-07);
            p = (p * f) + new Vector<double>(1.3215486790144307e-06);
            p = (p * f) + new Vector<double>(1.5252733804059840e-05);
            p = (p * f) + new Vector<double>(1.5403530393381608e-04);
            p = (p * f) + new Vector<double>(1.3333558146428443e-03);
            p = (p * f) + new Vector<double>(9.6181291076284772e-03);
            p = (p * f) + new Vector<double>(5.5504108664821580e-02);
            p = (p * f) + new Vector<double>(2.4022650695910071e-01);
            p = (p * f) + new Vector<double>(6.9314718055994531e-01);
            p = (p * f) + Vector<double>.One;

            // The low bits of shifted hold n; (n + 1023) << 52 is 2^n (the shift drops the rounding constant's bits).
            Vector<long> scale = Vector.ShiftLeft(Vector.AsVectorInt64(shifted) + new Vector<long>(1023), 52);
            return p * Vector.AsVectorDouble(scale);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> Load(ReadOnlySpan<float> span, int index) =>
            Vector.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(Vector<float> value, Span<float> span, int index) =>
            value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)index);

        /// <summary>A span of <typeparamref name="T"/> as floats, for a caller that has checked that T is float.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) where T : unmanaged =>
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

        /// <inheritdoc cref="AsFloat{T}(ReadOnlySpan{T})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Span<float> AsFloat<T>(Span<T> span) where T : unmanaged =>
            MemoryMarshal.CreateSpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

        /// <summary>A float as <typeparamref name="T"/>, for a caller that has checked that T is float.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T As<T>(float value) => Unsafe.As<float, T>(ref value);

        /// <summary>A <typeparamref name="T"/> as float, for a caller that has checked that T is float.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float AsFloat<T>(T value) => Unsafe.As<T, float>(ref value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Same(int a, int b)
        {
            if (a != b)
            {
                ThrowLengths(a, b, b);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Same(int a, int b, int c)
        {
            if (a != b || a != c)
            {
                ThrowLengths(a, b, c);
            }
        }

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowEmpty() =>
            throw new ArgumentException("The maximum of no values is undefined: the span is empty.", "x");

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowLengths(int a, int b, int c) =>
            throw new ArgumentException($"The spans must have matching lengths, but their lengths are {a}, {b} and {c}.");
    }
}
