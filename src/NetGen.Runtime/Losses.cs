using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Runtime
{
    /// <summary>Per-sample losses in the stable forms of docs/maths.md#stable-forms-of-the-losses, and the gradient at the output.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Losses
    {
        /// <summary>Mean squared error, <c>L = 1/2 sum_k (y_k - d_k)^2</c>.</summary>
        /// <remarks>Vectorised for long spans (a batched tile's whole output block is one call): one scalar sum chain
        /// over W3's tiles was a visible share of its training step (docs/performance.md). Spans shorter than a vector
        /// (a single sample of a small network) take the scalar loop alone, as before.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static T HalfSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> d) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (y.Length != d.Length)
            {
                ThrowLengths(y.Length, d.Length);
            }

            T sum = T.Zero;
            int k = 0;
            if (Vector.IsHardwareAccelerated && y.Length >= Vector<T>.Count)
            {
                var squares = Vector<T>.Zero;
                for (; k <= y.Length - Vector<T>.Count; k += Vector<T>.Count)
                {
                    var e = new Vector<T>(y.Slice(k)) - new Vector<T>(d.Slice(k));
                    squares += e * e;
                }

                sum = Vector.Sum(squares);
            }

            for (; k < y.Length; k++)
            {
                T e = y[k] - d[k];
                sum += e * e;
            }

            return sum / (T.One + T.One);
        }

        /// <summary>Cross-entropy of <c>softmax(a)</c> from the logits <paramref name="a"/>:
        /// <c>L = log sum_j e^(a_j - m) + m - sum_k d_k a_k</c>, <c>m = max_j a_j</c>, for targets that sum to 1.
        /// Finite for logits of any finite size.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static T CrossEntropyFromLogits<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> d) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T m = typeof(T) == typeof(float) ? SpanMath.As<T>(SpanMath.Max(SpanMath.AsFloat(a))) : TensorPrimitives.Max(a);
            T sum = T.Zero;
            T dot = T.Zero;
            for (int k = 0; k < a.Length; k++)
            {
                sum += T.Exp(a[k] - m);
                dot += d[k] * a[k];
            }

            return T.Log(sum) + m - dot;
        }

        /// <summary>Binary cross-entropy of <c>sigmoid(a)</c> from the logits <paramref name="a"/>:
        /// <c>L = sum_k max(a_k, 0) - a_k d_k + log(1 + e^-|a_k|)</c>. Finite for logits of any finite size.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static T BinaryCrossEntropyFromLogits<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> d) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T sum = T.Zero;
            for (int k = 0; k < a.Length; k++)
            {
                T x = a[k];
                sum += T.Max(x, T.Zero) - x * d[k] + T.LogP1(T.Exp(-T.Abs(x)));
            }

            return sum;
        }

        /// <summary>The output error <c>e = y - d</c>: the fused gradient <c>da_L</c> of softmax with cross-entropy and of
        /// sigmoid with binary cross-entropy, and <c>dL/dy</c> of mean squared error.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void OutputError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> d, Span<T> e) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                SpanMath.Subtract(SpanMath.AsFloat(y), SpanMath.AsFloat(d), SpanMath.AsFloat(e));
                return;
            }

            TensorPrimitives.Subtract(y, d, e);
        }

        /// <summary>Out of line, so that the methods that inline the check carry no string formatting (and no frame for it).</summary>
        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void ThrowLengths(int y, int d) =>
            throw new ArgumentException($"y has {y} values but d has {d}; they must match.", "d");
    }
}
