using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Runtime
{
    /// <summary>Fused multiply-add on every vector width, for generated kernels: <c>a * b + c</c> with one rounding
    /// where the hardware has FMA, else a multiply and an add. (.NET 8 has no portable <c>FusedMultiplyAdd</c>.)</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Simd
    {
        /// <summary>Returns <c>a * b + c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

        /// <summary>Returns <c>a * b + c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) =>
            Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

        /// <summary>Returns <c>a * b + c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

        /// <summary>Returns <c>a * b + c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

        /// <summary>Returns <c>a * b + c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        {
            if (Fma.IsSupported)
            {
                return Fma.MultiplyAdd(a, b, c);
            }

            if (AdvSimd.IsSupported)
            {
                return AdvSimd.FusedMultiplyAdd(c, a, b);
            }

            return a * b + c;
        }

        /// <summary>Returns <c>a * b + c</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c)
        {
            if (Fma.IsSupported)
            {
                return Fma.MultiplyAdd(a, b, c);
            }

            if (AdvSimd.Arm64.IsSupported)
            {
                return AdvSimd.Arm64.FusedMultiplyAdd(c, a, b);
            }

            return a * b + c;
        }

        /// <summary>Whether <see cref="MultiplyAdd(float, float, float)"/> and the vector overloads round once (x64 FMA,
        /// Arm64) rather than twice on this machine.</summary>
        public static bool IsFused => Fma.IsSupported || AdvSimd.IsSupported;

        /// <summary>Returns <c>a * b + c</c> for one float, rounded as the vector overloads round it on this machine: once
        /// where the hardware has FMA (x64 FMA, Arm64), else twice. Scalar tails use it to agree with vector bodies.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float MultiplyAdd(float a, float b, float c) =>
            IsFused ? MathF.FusedMultiplyAdd(a, b, c) : (a * b) + c;

        /// <summary>Returns <c>a * b + c</c> for <see cref="System.Numerics.Vector{T}"/> of float: one rounding where the
        /// hardware has FMA for its width (256-bit with x64 FMA, 128-bit with FMA or Arm64), else a multiply and an add.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static System.Numerics.Vector<float> MultiplyAdd(System.Numerics.Vector<float> a, System.Numerics.Vector<float> b, System.Numerics.Vector<float> c)
        {
            // Vector<float>'s width is fixed per process, so the JIT keeps one of these branches.
            return System.Numerics.Vector<float>.Count switch
            {
                16 => MultiplyAdd(a.AsVector512(), b.AsVector512(), c.AsVector512()).AsVector(),
                8 => MultiplyAdd(a.AsVector256(), b.AsVector256(), c.AsVector256()).AsVector(),
                4 => MultiplyAdd(a.AsVector128(), b.AsVector128(), c.AsVector128()).AsVector(),
                _ => (a * b) + c,
            };
        }

        /// <summary>The sum of the lanes, by halving: lower plus upper half down to 128 bits, then the 128-bit sum. On x64
        /// this takes about a third of the instructions of <c>Vector512.Sum</c>, which reduces each 128-bit quarter on its
        /// own; the generated kernels end every dot product with it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum<T>(Vector512<T> v) where T : unmanaged => Sum(v.GetLower() + v.GetUpper());

        /// <inheritdoc cref="Sum{T}(Vector512{T})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum<T>(Vector256<T> v) where T : unmanaged => Vector128.Sum(v.GetLower() + v.GetUpper());

        /// <inheritdoc cref="Sum{T}(Vector512{T})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum<T>(Vector128<T> v) where T : unmanaged => Vector128.Sum(v);

        /// <summary>Zeroes all but the last <paramref name="count"/> lanes of <paramref name="v"/>. Generated kernels cover a
        /// length that is not a multiple of the vector width with a last vector that overlaps the one before it; masking
        /// the overlap makes accumulations into it add zero there.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> KeepLast<T>(Vector512<T> v, int count) where T : unmanaged =>
            v & Vector512.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(TailMask), count * Unsafe.SizeOf<T>())).As<byte, T>();

        /// <inheritdoc cref="KeepLast{T}(Vector512{T}, int)"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> KeepLast<T>(Vector256<T> v, int count) where T : unmanaged =>
            v & Vector256.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(TailMask), 32 + count * Unsafe.SizeOf<T>())).As<byte, T>();

        /// <inheritdoc cref="KeepLast{T}(Vector512{T}, int)"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> KeepLast<T>(Vector128<T> v, int count) where T : unmanaged =>
            v & Vector128.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(TailMask), 48 + count * Unsafe.SizeOf<T>())).As<byte, T>();

        /// <inheritdoc cref="KeepLast{T}(Vector512{T}, int)"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static System.Numerics.Vector<T> KeepLast<T>(System.Numerics.Vector<T> v, int count) where T : unmanaged =>
            v & System.Numerics.Vector.As<byte, T>(
                System.Numerics.Vector.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(TailMask), 64 - System.Numerics.Vector<byte>.Count + count * Unsafe.SizeOf<T>())));

        /// <summary>64 zero bytes then 64 set bytes: 64 bytes read from offset <c>64 - width + count * size</c> keep the last
        /// <c>count</c> lanes of a <c>width</c>-byte vector.</summary>
        private static ReadOnlySpan<byte> TailMask =>
        [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
            255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        ];
    }
}
