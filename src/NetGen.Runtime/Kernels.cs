using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Runtime
{
    /// <summary>Span kernels for layers too narrow to vectorise across their outputs (one output unit): there the work is
    /// a dot product or an axpy along the inputs, which TensorPrimitives already vectorises.</summary>
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
    }
}
