using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization
{
    /// <summary>A positive real multiplier as an integer and a shift, <c>M = Multiplier / 2^Shift</c> with
    /// <c>Multiplier</c> in [2^30, 2^31): the fixed-point rescaling of gemmlowp and TensorFlow Lite, which maps an int32
    /// accumulator to the next layer's scale with integer arithmetic only, so every instruction path (and every machine)
    /// gives the same bits.</summary>
    /// <param name="Multiplier">The mantissa, in [2^30, 2^31); 0 for a multiplier too small to matter (below 2^-62).</param>
    /// <param name="Shift">The power of two divided by, from 1 to 62.</param>
    public readonly record struct FixedPointMultiplier(int Multiplier, int Shift)
    {
        /// <summary>The nearest fixed-point form of <paramref name="real"/> (31 significant bits).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="real"/> is not positive and finite, or is 2^30 or more.</exception>
        public static FixedPointMultiplier From(double real)
        {
            QuantizationMath.FixedPoint(real, out int mantissa, out int shift);
            return new FixedPointMultiplier(mantissa, shift);
        }

        /// <summary>The real value this stands for.</summary>
        public double Value => Multiplier / Math.Pow(2, Shift);

        /// <summary><c>round(x M)</c>, ties away from zero (gemmlowp's rounding), exact in 64-bit integers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Apply(int x)
        {
            // Branch-free (the signs of a layer's sums are a coin toss to a branch predictor): the magnitude rounded,
            // then the sign put back, (r ^ s) - s with s = 0 or -1.
            long product = (long)x * Multiplier;
            long sign = product >> 63;
            long magnitude = (product ^ sign) - sign;
            long rounded = (magnitude + (1L << (Shift - 1))) >> Shift;
            return (int)((rounded ^ sign) - sign);
        }
    }

    /// <summary>The affine quantisation of real values, as ONNX's QuantizeLinear and DequantizeLinear define it:
    /// <c>q = saturate(round(x / scale) + zeroPoint)</c> with ties to even, and <c>x = (q - zeroPoint) scale</c>.</summary>
    public static class Quantize
    {
        /// <summary><c>clamp(round(x / scale) + zeroPoint, min, max)</c>, ties to even; NaN quantises to the zero point.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static int Linear(float x, float scale, int zeroPoint, int min, int max)
        {
            float scaled = x / scale;
            if (float.IsNaN(scaled))
            {
                return Math.Clamp(zeroPoint, min, max);
            }

            // Clamped first, so that the rounding and the conversion stay exact.
            scaled = Math.Clamp(scaled, -(1 << 22), 1 << 22);
            return Math.Clamp((int)MathF.Round(scaled, MidpointRounding.ToEven) + zeroPoint, min, max);
        }

        /// <summary><c>(q - zeroPoint) scale</c>.</summary>
        public static float Dequantize(int q, float scale, int zeroPoint) => (q - zeroPoint) * scale;

        private const float Magic = 12582912f; // 1.5 x 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, ties to even

        /// <summary>Quantises <paramref name="x"/> to 7 bits: <c>q = clamp(round(x * inverseScale) + zeroPoint, 0, 127)</c>,
        /// ties to even, NaN to the zero point, which must lie in [0, 127]. The same IEEE operations on every vector width, so every path gives the
        /// same bytes. Multiplying by the inverse scale (not dividing by the scale) is NetGen's definition.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void SevenBit(ReadOnlySpan<float> x, float inverseScale, int zeroPoint, Span<byte> q)
        {
            if (q.Length < x.Length)
            {
                throw new ArgumentException($"the 7-bit codes have room for {q.Length} values, and there are {x.Length} to quantise", nameof(q));
            }

            if ((uint)zeroPoint > 127)
            {
                // The vector paths rely on it: below 0, int.MinValue + zeroPoint would wrap to a large positive code.
                throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "a 7-bit zero point lies in [0, 127]");
            }

            int n = x.Length, i = 0;
            float low = -zeroPoint, high = 127 - zeroPoint; // so that q = round(x * inverseScale) + zeroPoint lands in [0, 127]
            if (Avx512BW.IsSupported && n >= 64)
            {
                // 64 lanes at a time: the AVX-512 path below without its lower bound, because the saturating packs
                // clamp the int32 below 0 to 0 (a value below low, however far, converts to an int32 below 0, and the
                // conversion's out-of-range result, int.MinValue, is below 0 too); the upper bound stays in float, where
                // it keeps the conversion in range. Four conversions share two vpackssdw, one vpackuswb and one vpermd,
                // where the 16-lane loop narrows each with a two-uop vpmovdb.
                ref float source = ref MemoryMarshal.GetReference(x);
                ref byte target = ref MemoryMarshal.GetReference(q);
                Vector512<float> inverse = Vector512.Create(inverseScale), highest = Vector512.Create(high);
                Vector512<int> zero = Vector512.Create(zeroPoint), order = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
                for (; ; i += 64)
                {
                    if (i > n - 64)
                    {
                        i = n - 64; // the last block overlaps the one before: the same values, written twice
                    }

                    Vector512<short> ab = Avx512BW.PackSignedSaturate(
                        SevenBitUnclamped(Vector512.LoadUnsafe(ref source, (nuint)i), inverse, highest, zero),
                        SevenBitUnclamped(Vector512.LoadUnsafe(ref source, (nuint)i + 16), inverse, highest, zero));
                    Vector512<short> cd = Avx512BW.PackSignedSaturate(
                        SevenBitUnclamped(Vector512.LoadUnsafe(ref source, (nuint)i + 32), inverse, highest, zero),
                        SevenBitUnclamped(Vector512.LoadUnsafe(ref source, (nuint)i + 48), inverse, highest, zero));
                    // The packs work within 128-bit lanes: lane k holds four codes of each source in turn; the
                    // permutation of its 32-bit groups puts the 64 codes back in order.
                    Vector512<byte> bytes = Avx512BW.PackUnsignedSaturate(ab, cd);
                    Avx512F.PermuteVar16x32(bytes.AsInt32(), order).AsByte().StoreUnsafe(ref target, (nuint)i);
                    if (i == n - 64)
                    {
                        return;
                    }
                }
            }

            if (Avx512F.IsSupported && n >= 16)
            {
                // 16 lanes: the same steps, the lower clamp as an integer maximum, each lane (then within [0, 127])
                // narrowed to its byte.
                ref float source = ref MemoryMarshal.GetReference(x);
                ref byte target = ref MemoryMarshal.GetReference(q);
                Vector512<float> inverse = Vector512.Create(inverseScale), highest = Vector512.Create(high);
                Vector512<int> zero = Vector512.Create(zeroPoint);
                for (; ; i += 16)
                {
                    if (i > n - 16)
                    {
                        i = n - 16; // the last block overlaps the one before: the same values, written twice
                    }

                    Vector512<int> r = Avx512F.Max(SevenBitUnclamped(Vector512.LoadUnsafe(ref source, (nuint)i), inverse, highest, zero), Vector512<int>.Zero);
                    Avx512F.ConvertToVector128Byte(r).StoreUnsafe(ref target, (nuint)i);
                    if (i == n - 16)
                    {
                        return;
                    }
                }
            }

            if (Avx2.IsSupported && n >= 32)
            {
                // AVX's own min, max and truncating conversion: NaN is already 0, and the values are whole and small, so
                // they compute exactly what the scalar loop below does (without .NET's portable NaN and overflow fixes).
                ref float source = ref MemoryMarshal.GetReference(x);
                ref byte target = ref MemoryMarshal.GetReference(q);
                var p = new SevenBitVector(inverseScale, low, high, zeroPoint);
                for (; ; i += 32)
                {
                    if (i > n - 32)
                    {
                        i = n - 32; // the last block overlaps the one before: the same values, written twice
                    }

                    Vector256<short> a = Avx2.PackSignedSaturate(p.Round(Vector256.LoadUnsafe(ref source, (nuint)i)), p.Round(Vector256.LoadUnsafe(ref source, (nuint)i + 8)));
                    Vector256<short> b = Avx2.PackSignedSaturate(p.Round(Vector256.LoadUnsafe(ref source, (nuint)i + 16)), p.Round(Vector256.LoadUnsafe(ref source, (nuint)i + 24)));
                    // The packs interleave 128-bit lanes; the permutation puts the 32 bytes back in order.
                    Vector256<byte> bytes = Avx2.PackUnsignedSaturate(a, b);
                    Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsByte().StoreUnsafe(ref target, (nuint)i);
                    if (i == n - 32)
                    {
                        return;
                    }
                }
            }

            for (; i < n; i++)
            {
                float s = x[i] * inverseScale;
                s = float.IsNaN(s) ? 0 : s;
                s = Math.Min(Math.Max(s, low), high);
                int r = (int)((s + Magic) - Magic) + zeroPoint;
                q[i] = (byte)Math.Min(Math.Max(r, 0), 127);
            }
        }

        /// <summary>16 lanes of <see cref="SevenBit"/> up to its lower clamp: <c>round(min(x * inverse, highest)) + zero</c>,
        /// NaN to <paramref name="zero"/>, ties to even (AVX-512's conversion with embedded rounding on net9.0 and later,
        /// the magic-number addition before); a lane that <see cref="SevenBit"/> clamps to 0 is 0 or below here, and every
        /// other lane is its code.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> SevenBitUnclamped(Vector512<float> x, Vector512<float> inverse, Vector512<float> highest, Vector512<int> zero)
        {
            Vector512<float> v = Avx512F.Multiply(x, inverse);
            v = Avx512F.Min(v & Avx512F.CompareOrdered(v, v), highest); // NaN to 0
#if NET9_0_OR_GREATER
            return Avx512F.Add(Avx512F.ConvertToVector512Int32(v, FloatRoundingMode.ToEven), zero);
#else
            // Below -2^22 the magic-number rounding is inexact, but such a value converts below -2^22 anyway.
            Vector512<float> magic = Vector512.Create(Magic);
            return Avx512F.Add(Avx512F.ConvertToVector512Int32WithTruncation(Avx512F.Subtract(Avx512F.Add(v, magic), magic)), zero);
#endif
        }
    }

    /// <summary>The 7-bit quantisation of 8 floats with AVX (see <see cref="Quantize.SevenBit"/>).</summary>
    internal readonly struct SevenBitVector
    {
        private readonly Vector256<float> _inverse, _low, _high, _magic;
        private readonly Vector256<int> _zero;

        public SevenBitVector(float inverseScale, float low, float high, int zeroPoint)
        {
            _inverse = Vector256.Create(inverseScale);
            _low = Vector256.Create(low);
            _high = Vector256.Create(high);
            _magic = Vector256.Create(12582912f);
            _zero = Vector256.Create(zeroPoint);
        }

        /// <summary>round(clamp(x * inverse, low, high)) + zeroPoint as int32, NaN as 0, which low and high keep within [0, 127]
        /// (so the caller's saturating packs change nothing).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<int> Round(Vector256<float> x)
        {
            Vector256<float> s = Avx.Multiply(x, _inverse);
            s = Avx.And(s, Avx.CompareOrdered(s, s)); // NaN to 0
            s = Avx.Min(Avx.Max(s, _low), _high);
            s = Avx.Subtract(Avx.Add(s, _magic), _magic);
            return Avx2.Add(Avx.ConvertToVector256Int32WithTruncation(s), _zero);
        }
    }
}