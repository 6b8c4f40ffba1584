using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Runtime
{
    /// <summary>Vectorised activations <c>h = g(a)</c> and their backward rules <c>da = dh * g'(a)</c>, as in docs/maths.md#activations.
    /// Each derivative is written through the output <c>h</c> where it can be, so nothing is recomputed.</summary>
    /// <remarks>Every method checks that its spans have matching lengths, and accepts <c>h</c> or <c>da</c> aliasing an
    /// input exactly (same start, same length), except <see cref="ELU{T}"/>, whose <c>h</c> must not alias <c>a</c>.</remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Activations
    {
        /// <summary><c>h = 1 / (1 + e^-a)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Sigmoid<T>(ReadOnlySpan<T> a, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                SpanMath.Sigmoid(SpanMath.AsFloat(a), SpanMath.AsFloat(h));
                return;
            }

            TensorPrimitives.Sigmoid(a, h);
        }

        /// <summary><c>h = tanh(a)</c>. In float, a rational approximation (Eigen's <c>generic_fast_tanh_float</c>: odd
        /// degree-13 over even degree-6 polynomial, inputs clamped where it reaches +-1 exactly) that is
        /// within 4e-7 of the exact tanh (pinned by a test) and faster than TensorPrimitives.Tanh (TanhBenchmarks; the
        /// figures are in docs/performance.md), which matters because tanh dominated batched training of tanh networks
        /// (W3). NaN propagates. Every path (Vector512, Vector&lt;float&gt;, scalar) evaluates the same operations, so
        /// they agree bit for bit. Double uses TensorPrimitives.Tanh.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Tanh<T>(ReadOnlySpan<T> a, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) != typeof(float))
            {
                TensorPrimitives.Tanh(a, h);
                return;
            }

            Same(a.Length, h.Length);
            ReadOnlySpan<float> x = MemoryMarshal.Cast<T, float>(a);
            Span<float> y = MemoryMarshal.Cast<T, float>(h);
            int i = 0;
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            {
                ref float source = ref MemoryMarshal.GetReference(x);
                ref float destination = ref MemoryMarshal.GetReference(y);
                for (; i <= x.Length - 32; i += 32)
                {
                    // Two independent vectors per iteration: the polynomial chains are latency-bound otherwise.
                    var first = FastTanh(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref source, (nuint)i));
                    var second = FastTanh(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref source, (nuint)(i + 16)));
                    System.Runtime.Intrinsics.Vector512.StoreUnsafe(first, ref destination, (nuint)i);
                    System.Runtime.Intrinsics.Vector512.StoreUnsafe(second, ref destination, (nuint)(i + 16));
                }

                for (; i <= x.Length - 16; i += 16)
                {
                    System.Runtime.Intrinsics.Vector512.StoreUnsafe(FastTanh(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref source, (nuint)i)), ref destination, (nuint)i);
                }
            }
            else if (Vector.IsHardwareAccelerated)
            {
                // Vector<float>: 256-bit with AVX2, 128-bit on Arm64 Neon.
                for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    FastTanh(Load(x, i)).CopyTo(y.Slice(i));
                }
            }

            for (; i < x.Length; i++)
            {
                y[i] = FastTanh(x[i]);
            }
        }

        /// <summary><c>tanh</c> of one vector of 16 floats, exactly as <see cref="Tanh{T}"/> computes each vector of a span on
        /// its Vector512 path, where Vector512 is hardware-accelerated: for generated kernels that apply a layer's activation while its values are still in
        /// registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static System.Runtime.Intrinsics.Vector512<float> Tanh(System.Runtime.Intrinsics.Vector512<float> a) => FastTanh(a);

        /// <summary><c>max(a, 0)</c> of one vector of 16 floats, exactly as <see cref="ReLU{T}"/> computes it (a NaN stays
        /// NaN): for generated kernels that apply a layer's activation while its values are still in registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static System.Runtime.Intrinsics.Vector512<float> ReLU(System.Runtime.Intrinsics.Vector512<float> a) =>
#if NET9_0_OR_GREATER
            System.Runtime.Intrinsics.Vector512.Max(a, System.Runtime.Intrinsics.Vector512<float>.Zero); // IEEE 754 maximum, as SpanMath.Max
#else
            // As SpanMath.Max on .NET 8: the hardware maximum, with a NaN input kept (the zero is never NaN).
            System.Runtime.Intrinsics.Vector512.ConditionalSelect(
                System.Runtime.Intrinsics.Vector512.Equals(a, a), System.Runtime.Intrinsics.Vector512.Max(a, System.Runtime.Intrinsics.Vector512<float>.Zero), a);
#endif

        // Eigen's coefficients (MathFunctionsImpl.h): numerator alpha_1..alpha_13 (odd), denominator beta_0..beta_6 (even).
        // The polynomials are evaluated with fused multiply-adds where the machine has them (half the instructions). The
        // clamp is the smallest input whose approximation rounds to exactly 1, which depends on that rounding: 7.99881172
        // with FMA (Eigen's constant for its FMA path), 7.90531111 with separate multiplies and adds (checked by a scan of
        // every float in [7, 8.2] in both modes; StabilityTests pins the +-1 on every CI path).
        // A property, not a static readonly field: Simd.IsFused is a constant to the JIT, so this folds to one constant even in
        // code compiled before the class is initialised (the AggressiveOptimization passes), with no initialisation check.
        private static float TanhClamp
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Simd.IsFused ? 7.99881172180175781f : 7.90531110763549805f;
        }
        private const float TanhTiny = 0.0004f;
        private const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f,
            A7 = 5.12229709037114e-08f, A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
        private const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float FastTanh(float value)
        {
            if (float.IsNaN(value))
            {
                return value;
            }

            if (MathF.Abs(value) < TanhTiny)
            {
                return value;
            }

            float x = Math.Clamp(value, -TanhClamp, TanhClamp), x2 = x * x;
            float p = Simd.MultiplyAdd(x2, A13, A11);
            p = Simd.MultiplyAdd(x2, p, A9);
            p = Simd.MultiplyAdd(x2, p, A7);
            p = Simd.MultiplyAdd(x2, p, A5);
            p = Simd.MultiplyAdd(x2, p, A3);
            p = Simd.MultiplyAdd(x2, p, A1);
            float q = Simd.MultiplyAdd(x2, B6, B4);
            q = Simd.MultiplyAdd(x2, q, B2);
            q = Simd.MultiplyAdd(x2, q, B0);
            return x * p / q;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static System.Runtime.Intrinsics.Vector512<float> FastTanh(System.Runtime.Intrinsics.Vector512<float> value)
        {
            // Simd.MultiplyAdd fuses 512-bit vectors only with AVX-512F (emulated Vector512 multiplies, then adds), so the
            // clamp follows that, not Simd.IsFused: the same constant wherever Vector512 is accelerated.
            float clamp = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? 7.99881172180175781f : 7.90531110763549805f;
            var x = System.Runtime.Intrinsics.Vector512.Min(System.Runtime.Intrinsics.Vector512.Max(value, System.Runtime.Intrinsics.Vector512.Create(-clamp)), System.Runtime.Intrinsics.Vector512.Create(clamp));
            var x2 = x * x;
            var p = Simd.MultiplyAdd(x2, System.Runtime.Intrinsics.Vector512.Create(A13), System.Runtime.Intrinsics.Vector512.Create(A11));
            p = Simd.MultiplyAdd(x2, p, System.Runtime.Intrinsics.Vector512.Create(A9));
            p = Simd.MultiplyAdd(x2, p, System.Runtime.Intrinsics.Vector512.Create(A7));
            p = Simd.MultiplyAdd(x2, p, System.Runtime.Intrinsics.Vector512.Create(A5));
            p = Simd.MultiplyAdd(x2, p, System.Runtime.Intrinsics.Vector512.Create(A3));
            p = Simd.MultiplyAdd(x2, p, System.Runtime.Intrinsics.Vector512.Create(A1));
            var q = Simd.MultiplyAdd(x2, System.Runtime.Intrinsics.Vector512.Create(B6), System.Runtime.Intrinsics.Vector512.Create(B4));
            q = Simd.MultiplyAdd(x2, q, System.Runtime.Intrinsics.Vector512.Create(B2));
            q = Simd.MultiplyAdd(x2, q, System.Runtime.Intrinsics.Vector512.Create(B0));
            var result = x * p / q;
            // |value| >= tiny is false for tiny inputs and for NaN, which both pass through: one compare for both.
            return System.Runtime.Intrinsics.Vector512.ConditionalSelect(System.Runtime.Intrinsics.Vector512.GreaterThanOrEqual(System.Runtime.Intrinsics.Vector512.Abs(value), System.Runtime.Intrinsics.Vector512.Create(TanhTiny)), result, value);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> FastTanh(Vector<float> value)
        {
            var x = Vector.Min(Vector.Max(value, new Vector<float>(-TanhClamp)), new Vector<float>(TanhClamp));
            var x2 = x * x;
            var p = Simd.MultiplyAdd(x2, new Vector<float>(A13), new Vector<float>(A11));
            p = Simd.MultiplyAdd(x2, p, new Vector<float>(A9));
            p = Simd.MultiplyAdd(x2, p, new Vector<float>(A7));
            p = Simd.MultiplyAdd(x2, p, new Vector<float>(A5));
            p = Simd.MultiplyAdd(x2, p, new Vector<float>(A3));
            p = Simd.MultiplyAdd(x2, p, new Vector<float>(A1));
            var q = Simd.MultiplyAdd(x2, new Vector<float>(B6), new Vector<float>(B4));
            q = Simd.MultiplyAdd(x2, q, new Vector<float>(B2));
            q = Simd.MultiplyAdd(x2, q, new Vector<float>(B0));
            var result = x * p / q;
            return Vector.ConditionalSelect(Vector.GreaterThanOrEqual(Vector.Abs(value), new Vector<float>(TanhTiny)), result, value);
        }

        /// <summary><c>h = max(0, a)</c>; NaN propagates.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void ReLU<T>(ReadOnlySpan<T> a, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                SpanMath.Max(SpanMath.AsFloat(a), 0f, SpanMath.AsFloat(h));
                return;
            }

            TensorPrimitives.Max(a, T.Zero, h);
        }

        /// <summary><c>h = a</c> if <c>a &gt; 0</c>, else <c>alpha a</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void LeakyReLU<T>(ReadOnlySpan<T> a, T alpha, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, h.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var slope = new Vector<T>(alpha);
                for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var x = Load(a, i);
                    Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, slope * x).CopyTo(h.Slice(i));
                }
            }

            for (; i < a.Length; i++)
            {
                h[i] = a[i] > T.Zero ? a[i] : alpha * a[i];
            }
        }

        /// <summary>PReLU: <c>h = a</c> if <c>a &gt; 0</c>, else <c>slope a</c>, where each run of <paramref name="positions"/>
        /// values shares a slope, taken in turn from <paramref name="slopes"/> (and from its start again for the next row
        /// of a batch): a convolution's channels, or a dense layer's units with <paramref name="positions"/> 1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void PReLU<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> slopes, int positions, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, h.Length);
            int run = SlopeRun(a.Length, slopes.Length, positions);
            if (positions == 1)
            {
                // A dense layer's units: one slope per value, in a plain loop rather than a call per unit.
                for (int i = 0; i < a.Length; i++)
                {
                    T value = a[i];
                    h[i] = value > T.Zero ? value : slopes[i % run] * value;
                }

                return;
            }

            for (int start = 0; start < a.Length; start += run)
            {
                for (int c = 0; c < slopes.Length; c++)
                {
                    int from = start + (c * positions);
                    LeakyReLU(a.Slice(from, positions), slopes[c], h.Slice(from, positions));
                }
            }
        }

        /// <summary>PReLU backward: <c>da = dh</c> where <c>a &gt; 0</c>, else <c>slope dh</c> (PyTorch's rule, also at 0);
        /// and each slope's gradient, <c>sum dh a</c> over its values with <c>a &lt;= 0</c>, is added to
        /// <paramref name="dslopes"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void PReLUBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> dh, ReadOnlySpan<T> slopes, int positions, Span<T> da, Span<T> dslopes) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, dh.Length, da.Length);
            Same(slopes.Length, dslopes.Length);
            int run = SlopeRun(a.Length, slopes.Length, positions);

            for (int start = 0; start < a.Length; start += run)
            {
                for (int c = 0; c < slopes.Length; c++)
                {
                    int from = start + (c * positions);
                    T slope = slopes[c], sum = T.Zero;
                    for (int i = from; i < from + positions; i++)
                    {
                        if (a[i] > T.Zero)
                        {
                            da[i] = dh[i];
                        }
                        else
                        {
                            da[i] = slope * dh[i];
                            sum += dh[i] * a[i];
                        }
                    }

                    dslopes[c] += sum;
                }
            }
        }

        /// <summary>The values of one row of a PReLU (slopes x positions), after checking that a is whole rows of them.</summary>
        private static int SlopeRun(int length, int slopes, int positions)
        {
            int run = slopes * positions;
            if (run == 0 || length % run != 0)
            {
                throw new ArgumentException($"'a' has length {length}, not a whole number of {slopes} slopes x {positions} positions.", "a");
            }

            return run;
        }

        /// <summary><c>h = a</c> if <c>a &gt; 0</c>, else <c>alpha (e^a - 1)</c>; <c>e^a</c> is taken of <c>min(a, 0)</c>, so it never overflows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void ELU<T>(ReadOnlySpan<T> a, T alpha, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, h.Length);
            // h = e^min(a, 0) first (exp is only vectorised over whole spans), then the select.
            if (typeof(T) == typeof(float))
            {
                SpanMath.Min(SpanMath.AsFloat(a), 0f, SpanMath.AsFloat(h));
                SpanMath.Exp(SpanMath.AsFloat(h), SpanMath.AsFloat(h));
            }
            else
            {
                TensorPrimitives.Min(a, T.Zero, h);
                TensorPrimitives.Exp(h, h);
            }

            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var scale = new Vector<T>(alpha);
                for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var x = Load(a, i);
                    var negative = scale * (Load(h, i) - Vector<T>.One);
                    Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, negative).CopyTo(h.Slice(i));
                }
            }

            for (; i < a.Length; i++)
            {
                h[i] = a[i] > T.Zero ? a[i] : alpha * (h[i] - T.One);
            }
        }

        /// <summary>Log-softmax, <c>y_k = (a_k - m) - log sum_j e^(a_j - m)</c> with <c>m = max_j a_j</c>: the output of a
        /// model that ends in <c>nn.LogSoftmax</c>, stable for any finite logits. <paramref name="y"/> may be
        /// <paramref name="a"/> itself.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LogSoftmax<T>(ReadOnlySpan<T> a, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, y.Length);
            T max = TensorPrimitives.Max(a);
            T sum = T.Zero;
            for (int i = 0; i < a.Length; i++)
            {
                sum += T.Exp(a[i] - max);
            }

            T logSum = T.Log(sum);
            for (int i = 0; i < a.Length; i++)
            {
                y[i] = (a[i] - max) - logSum;
            }
        }

        /// <summary><c>h_k = e^(a_k - m) / sum_j e^(a_j - m)</c> with <c>m = max_j a_j</c>: stable for any finite logits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Softmax<T>(ReadOnlySpan<T> a, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                ReadOnlySpan<float> x = SpanMath.AsFloat(a);
                Span<float> y = SpanMath.AsFloat(h);
                if (!SpanMath.TrySoftmaxInRegisters(x, y))
                {
                    SpanMath.Softmax(x, y);
                }

                return;
            }

            T max = TensorPrimitives.Max(a);
            TensorPrimitives.Subtract(a, max, h);
            TensorPrimitives.Exp(h, h);
            T sum = TensorPrimitives.Sum<T>(h);
            TensorPrimitives.Divide(h, sum, h);
        }

        /// <summary>Maxout: <c>h_i = max_p z_{p,i}</c> over the layer's affine outputs <paramref name="z"/>, stored piece-major
        /// (<c>z[p * units + i]</c>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Maxout<T>(ReadOnlySpan<T> z, int pieces, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(z.Length, pieces * h.Length);
            int units = h.Length;
            z.Slice(0, units).CopyTo(h);
            for (int p = 1; p < pieces; p++)
            {
                if (typeof(T) == typeof(float))
                {
                    SpanMath.Max(SpanMath.AsFloat<T>(h), SpanMath.AsFloat(z.Slice(p * units, units)), SpanMath.AsFloat(h));
                }
                else
                {
                    TensorPrimitives.Max(h, z.Slice(p * units, units), h);
                }
            }
        }

        /// <summary>Sigmoid backward: <c>da = dh * h (1 - h)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void SigmoidBackward<T>(ReadOnlySpan<T> h, ReadOnlySpan<T> dh, Span<T> da) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(h.Length, dh.Length, da.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= h.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var y = Load(h, i);
                    (Load(dh, i) * y * (Vector<T>.One - y)).CopyTo(da.Slice(i));
                }
            }

            for (; i < h.Length; i++)
            {
                da[i] = dh[i] * h[i] * (T.One - h[i]);
            }
        }

        /// <summary>Tanh backward: <c>da = dh * (1 - h^2)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void TanhBackward<T>(ReadOnlySpan<T> h, ReadOnlySpan<T> dh, Span<T> da) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(h.Length, dh.Length, da.Length);
            int i = 0;
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            {
                // Vector<T> stays 256-bit on AVX-512 machines; a batched tile is long enough for the full width.
                ref T hRef = ref MemoryMarshal.GetReference(h);
                ref T dhRef = ref MemoryMarshal.GetReference(dh);
                ref T daRef = ref MemoryMarshal.GetReference(da);
                for (; i <= h.Length - System.Runtime.Intrinsics.Vector512<T>.Count; i += System.Runtime.Intrinsics.Vector512<T>.Count)
                {
                    var y = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref hRef, (nuint)i);
                    var dy = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref dhRef, (nuint)i);
                    System.Runtime.Intrinsics.Vector512.StoreUnsafe(dy * (System.Runtime.Intrinsics.Vector512<T>.One - (y * y)), ref daRef, (nuint)i);
                }
            }

            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= h.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var y = Load(h, i);
                    (Load(dh, i) * (Vector<T>.One - y * y)).CopyTo(da.Slice(i));
                }
            }

            for (; i < h.Length; i++)
            {
                da[i] = dh[i] * (T.One - h[i] * h[i]);
            }
        }

        /// <summary>ReLU backward: <c>da = dh</c> where <c>a &gt; 0</c>, else 0 (the derivative at 0 is 0, as in PyTorch).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void ReLUBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> dh, Span<T> da) where T : unmanaged, IFloatingPointIeee754<T> =>
            LeakyReLUBackward(a, dh, T.Zero, da);

        /// <summary>Leaky ReLU backward: <c>da = dh</c> where <c>a &gt; 0</c>, else <c>alpha dh</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void LeakyReLUBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> dh, T alpha, Span<T> da) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, dh.Length, da.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var slope = new Vector<T>(alpha);
                for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var g = Load(dh, i);
                    Vector.ConditionalSelect(Vector.GreaterThan(Load(a, i), Vector<T>.Zero), g, slope * g).CopyTo(da.Slice(i));
                }
            }

            for (; i < a.Length; i++)
            {
                da[i] = a[i] > T.Zero ? dh[i] : alpha * dh[i];
            }
        }

        /// <summary>ELU backward: <c>da = dh</c> where <c>a &gt; 0</c>, else <c>dh (h + alpha)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void ELUBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> h, ReadOnlySpan<T> dh, T alpha, Span<T> da) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(a.Length, h.Length, dh.Length, da.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var shift = new Vector<T>(alpha);
                for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var g = Load(dh, i);
                    var negative = g * (Load(h, i) + shift);
                    Vector.ConditionalSelect(Vector.GreaterThan(Load(a, i), Vector<T>.Zero), g, negative).CopyTo(da.Slice(i));
                }
            }

            for (; i < a.Length; i++)
            {
                da[i] = a[i] > T.Zero ? dh[i] : dh[i] * (h[i] + alpha);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Same(int a, int b) => Same(a, b, a, a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Same(int a, int b, int c) => Same(a, b, c, a);

        /// <summary>Throws unless all lengths agree (no params array: the passes must not allocate). Inlined, with the
        /// throw out of line. <see cref="Normalization"/> uses it too.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Same(int a, int b, int c, int d)
        {
            if (a != b || a != c || a != d)
            {
                ThrowLengths(a, b, c, d);
            }
        }

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowLengths(int a, int b, int c, int d) =>
            throw new ArgumentException($"The spans must have matching lengths, but their lengths are {a}, {b}, {c} and {d}.");

        /// <summary>Softmax backward through its Jacobian <c>diag(y) - y y^T</c>: <c>da = y * (dh - y . dh)</c>.
        /// Only needed when softmax is not fused with cross-entropy.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void SoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dh, Span<T> da) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                Span<float> d = SpanMath.AsFloat(da);
                SpanMath.Subtract(SpanMath.AsFloat(dh), SpanMath.Dot(SpanMath.AsFloat(y), SpanMath.AsFloat(dh)), d);
                SpanMath.Multiply(d, SpanMath.AsFloat(y), d);
                return;
            }

            T dot = TensorPrimitives.Dot(y, dh);
            TensorPrimitives.Subtract(dh, dot, da);
            TensorPrimitives.Multiply(da, y, da);
        }

        /// <summary>Maxout backward: the gradient flows to the winning piece only, <c>dz_{p*,i} = dh_i</c>, others 0;
        /// ties go to the first maximum, as in the forward pass.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void MaxoutBackward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> h, ReadOnlySpan<T> dh, int pieces, Span<T> dz) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(z.Length, pieces * h.Length, pieces * dh.Length, dz.Length);
            int units = h.Length;
            dz.Clear();
            for (int i = 0; i < units; i++)
            {
                for (int p = 0; p < pieces; p++)
                {
                    if (z[p * units + i] == h[i])
                    {
                        dz[p * units + i] = dh[i];
                        break;
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<T> Load<T>(ReadOnlySpan<T> span, int index) where T : unmanaged =>
            Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index)));
    }
}
