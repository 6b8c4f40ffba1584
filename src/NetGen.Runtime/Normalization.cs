using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Runtime
{
    /// <summary>Layer normalisation, <c>a = gamma * (x - mu) / sqrt(var + eps) + beta</c> over one sample's vector, with
    /// <c>mu</c> its mean and <c>var</c> its biased variance (divided by n), as PyTorch's <c>nn.LayerNorm</c> and ONNX's
    /// <c>LayerNormalization</c> over the last axis. See docs/maths.md#layer-normalisation for the backward rule.</summary>
    /// <remarks>
    /// Nothing is stored between the passes: the backward pass takes the layer's input again and recomputes
    /// <c>mu</c> and <c>1/sigma</c> with the same operations as the forward pass, so <c>xhat</c> is the same bits in both.
    /// The batched forms run the one-sample form row by row (the cost is O(n) a sample, against the O(n m) of the
    /// affine layers around it). <c>dx</c> may be empty: the first layer's input needs no gradient.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Normalization
    {
        /// <summary>Forward: <c>a = gamma * xhat + beta</c>, <c>xhat = (x - mu) / sqrt(var + eps)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LayerNorm<T>(ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> x, T epsilon, Span<T> a)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(gamma.Length, beta.Length, x.Length, a.Length);
            (T mean, T inverseDeviation) = Moments(x, epsilon);
            TensorPrimitives.Subtract(x, mean, a);
            TensorPrimitives.Multiply(a, inverseDeviation, a);
            TensorPrimitives.FusedMultiplyAdd(a, gamma, beta, a);
        }

        /// <summary>Backward: <c>dgamma += da * xhat</c>, <c>dbeta += da</c> and, with <c>g = da * gamma</c>,
        /// <c>dx = (g - mean(g) - xhat mean(g xhat)) / sigma</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LayerNormBackward<T>(ReadOnlySpan<T> gamma, ReadOnlySpan<T> x, ReadOnlySpan<T> da, T epsilon, Span<T> dgamma, Span<T> dbeta, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(gamma.Length, x.Length, da.Length, dgamma.Length);
            Same(gamma.Length, dbeta.Length, dx.IsEmpty ? gamma.Length : dx.Length, gamma.Length);
            (T mean, T inverseDeviation) = Moments(x, epsilon);
            (T meanG, T meanGx) = dx.IsEmpty ? (T.Zero, T.Zero) : GradientMeans(gamma, x, da, mean, inverseDeviation);
            for (int i = 0; i < x.Length; i++)
            {
                T xhat = (x[i] - mean) * inverseDeviation;
                if (!dx.IsEmpty)
                {
                    dx[i] = ((da[i] * gamma[i]) - meanG - (xhat * meanGx)) * inverseDeviation;
                }

                dgamma[i] += da[i] * xhat;
                dbeta[i] += da[i];
            }
        }

        /// <summary>The fused SGD step of <see cref="LayerNormBackward{T}"/>: <c>dx</c> from the parameters before the step,
        /// then <c>gamma -= eta (da xhat)</c> and <c>beta -= eta da</c>, rounded as <c>Sgd</c> rounds a one-sample step.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LayerNormSgd<T>(Span<T> gamma, Span<T> beta, ReadOnlySpan<T> x, ReadOnlySpan<T> da, T epsilon, T eta, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(gamma.Length, beta.Length, x.Length, da.Length);
            Same(gamma.Length, dx.IsEmpty ? gamma.Length : dx.Length, gamma.Length, gamma.Length);
            (T mean, T inverseDeviation) = Moments(x, epsilon);
            (T meanG, T meanGx) = dx.IsEmpty ? (T.Zero, T.Zero) : GradientMeans(gamma, x, da, mean, inverseDeviation);
            for (int i = 0; i < x.Length; i++)
            {
                T xhat = (x[i] - mean) * inverseDeviation;
                if (!dx.IsEmpty)
                {
                    dx[i] = ((da[i] * gamma[i]) - meanG - (xhat * meanGx)) * inverseDeviation;
                }

                gamma[i] -= eta * (da[i] * xhat);
                beta[i] -= eta * da[i];
            }
        }

        /// <summary><see cref="LayerNorm{T}"/> for each of <paramref name="rows"/> rows stored one after another: the samples
        /// of a batch, or the groups of a sample that a layer normalises one by one (or both).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LayerNormBatch<T>(ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> x, T epsilon, Span<T> a, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = gamma.Length;
            Same(x.Length, a.Length, n * rows, n * rows);
            for (int r = 0; r < rows; r++)
            {
                LayerNorm(gamma, beta, x.Slice(r * n, n), epsilon, a.Slice(r * n, n));
            }
        }

        /// <summary><see cref="LayerNormBackward{T}"/> for each of <paramref name="rows"/> rows stored one after another, the
        /// parameter gradients summed in row order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LayerNormBatchBackward<T>(ReadOnlySpan<T> gamma, ReadOnlySpan<T> x, ReadOnlySpan<T> da, T epsilon, Span<T> dgamma, Span<T> dbeta, Span<T> dx, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = gamma.Length;
            Same(x.Length, da.Length, n * rows, dx.IsEmpty ? n * rows : dx.Length);
            for (int r = 0; r < rows; r++)
            {
                LayerNormBackward(gamma, x.Slice(r * n, n), da.Slice(r * n, n), epsilon, dgamma, dbeta, dx.IsEmpty ? dx : dx.Slice(r * n, n));
            }
        }

        /// <summary><c>p -= eta g</c>, as <c>Sgd</c> applies a one-sample gradient (the fused SGD step of a grouped layer
        /// normalisation, whose groups' gradients are summed first).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Descend<T>(Span<T> p, ReadOnlySpan<T> gradient, T eta) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Same(p.Length, gradient.Length, p.Length, p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                p[i] -= eta * gradient[i];
            }
        }

        /// <summary>The mean of x and <c>1 / sqrt(var + eps)</c>, the variance taken about the mean (two passes, so a large
        /// mean does not cancel the variance away).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (T Mean, T InverseDeviation) Moments<T>(ReadOnlySpan<T> x, T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T n = T.CreateTruncating(x.Length);
            T mean = TensorPrimitives.Sum(x) / n;
            T squares = T.Zero;
            for (int i = 0; i < x.Length; i++)
            {
                T centred = x[i] - mean;
                squares += centred * centred;
            }

            return (mean, T.One / T.Sqrt((squares / n) + epsilon));
        }

        /// <summary><c>mean(g)</c> and <c>mean(g xhat)</c> for <c>g = da * gamma</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (T MeanG, T MeanGx) GradientMeans<T>(ReadOnlySpan<T> gamma, ReadOnlySpan<T> x, ReadOnlySpan<T> da, T mean, T inverseDeviation)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T sumG = T.Zero, sumGx = T.Zero;
            for (int i = 0; i < x.Length; i++)
            {
                T g = da[i] * gamma[i];
                sumG += g;
                sumGx += g * ((x[i] - mean) * inverseDeviation);
            }

            T n = T.CreateTruncating(x.Length);
            return (sumG / n, sumGx / n);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Same(int a, int b, int c, int d) => Activations.Same(a, b, c, d);
    }
}
