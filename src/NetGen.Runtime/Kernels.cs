using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Runtime
{
    /// <summary>Span kernels for layers too narrow to vectorise across their outputs (one output unit): there the work is
    /// a dot product or an axpy along the inputs (for float, SpanMath, compiled fully optimised from the first call;
    /// for double, TensorPrimitives). Also the transpose that the
    /// batched backward pass takes once per call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Kernels
    {
        /// <summary><c>sum_j x_j y_j</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            typeof(T) == typeof(float)
                ? SpanMath.As<T>(SpanMath.Dot(SpanMath.AsFloat(x), SpanMath.AsFloat(y)))
                : TensorPrimitives.Dot(x, y);

        /// <summary><c>y += alpha x</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                SpanMath.MultiplyAdd(SpanMath.AsFloat(x), SpanMath.AsFloat(alpha), SpanMath.AsFloat<T>(y), SpanMath.AsFloat(y));
                return;
            }

            TensorPrimitives.MultiplyAdd(x, alpha, y, y);
        }

        /// <summary><c>w -= eta (delta x)</c>, rounded as written: the SGD update of a one-output layer's weights, equal
        /// to what <c>Sgd</c> computes from the gradient <c>delta x</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Descend<T>(ReadOnlySpan<T> x, T delta, T eta, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (x.Length != w.Length)
            {
                throw new ArgumentException("The inputs and the weights must have the same length.", nameof(w));
            }

            int j = 0;
            if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
            {
                Vector<T> d = new(delta), step = new(eta);
                for (; j <= w.Length - Vector<T>.Count; j += Vector<T>.Count)
                {
                    (new Vector<T>(w.Slice(j)) - (step * (d * new Vector<T>(x.Slice(j))))).CopyTo(w.Slice(j));
                }
            }

            for (; j < w.Length; j++)
            {
                w[j] -= eta * (delta * x[j]);
            }
        }

        /// <summary><c>y = alpha x</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Multiply<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                SpanMath.Multiply(SpanMath.AsFloat(x), SpanMath.AsFloat(alpha), SpanMath.AsFloat(y));
                return;
            }

            TensorPrimitives.Multiply(x, alpha, y);
        }

        /// <summary>Adds an output-major matrix (<c>transposed[i * inputs + j]</c>, <paramref name="outputs"/> rows) to an
        /// input-major one: <c>w[j * outputs + i] += transposed[i * inputs + j]</c>. Batched backward passes sum a narrow
        /// layer's weight gradient output-major, where its long rows fill whole vectors, and add it once at the end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddTransposed<T>(ReadOnlySpan<T> transposed, int outputs, int inputs, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (transposed.Length != inputs * outputs || w.Length != transposed.Length)
            {
                throw new ArgumentException("The matrix and its transpose must both have inputs x outputs elements.", nameof(w));
            }

            for (int i = 0; i < outputs; i++)
            {
                ReadOnlySpan<T> row = transposed.Slice(i * inputs, inputs);
                for (int j = 0; j < row.Length; j++)
                {
                    w[(j * outputs) + i] += row[j];
                }
            }
        }

        /// <summary>Transposes an input-major weight matrix (<c>w[j * outputs + i]</c>, <paramref name="inputs"/> rows)
        /// into output-major order: <c>transposed[i * inputs + j]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Transpose<T>(ReadOnlySpan<T> w, int inputs, int outputs, Span<T> transposed) where T : unmanaged
        {
            if (w.Length != inputs * outputs || transposed.Length != w.Length)
            {
                throw new ArgumentException("The matrix and its transpose must both have inputs x outputs elements.", nameof(transposed));
            }

            for (int j = 0; j < inputs; j++)
            {
                ReadOnlySpan<T> row = w.Slice(j * outputs, outputs);
                for (int i = 0; i < row.Length; i++)
                {
                    transposed[(i * inputs) + j] = row[i];
                }
            }
        }
    }
}
