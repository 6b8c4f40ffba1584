using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Runtime
{
    /// <summary>Span kernels for layers too narrow to vectorise across their outputs (one output unit): there the work is
    /// a dot product or an axpy along the inputs, which TensorPrimitives already vectorises. Also the transpose that the
    /// batched backward pass takes once per call.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Kernels
    {
        /// <summary><c>sum_j x_j y_j</c>.</summary>
        public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            TensorPrimitives.Dot(x, y);

        /// <summary><c>y += alpha x</c>.</summary>
        public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            TensorPrimitives.MultiplyAdd(x, alpha, y, y);

        /// <summary><c>y = alpha x</c>.</summary>
        public static void Multiply<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            TensorPrimitives.Multiply(x, alpha, y);

        /// <summary>Transposes an input-major weight matrix (<c>w[j * outputs + i]</c>, <paramref name="inputs"/> rows)
        /// into output-major order: <c>transposed[i * inputs + j]</c>.</summary>
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
