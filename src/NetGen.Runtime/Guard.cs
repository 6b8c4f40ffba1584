using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen.Runtime
{
    /// <summary>Argument checks that generated code calls before it writes anything.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Guard
    {
        /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="expected">The length the network needs.</param>
        /// <param name="parameterName">The name of the span's parameter.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Length(int actual, int expected, string parameterName)
        {
            if (actual != expected)
            {
                ThrowLength(actual, expected, parameterName);
            }
        }

        /// <summary>The number of samples in a row-major block of <paramref name="size"/> values per sample; throws
        /// <see cref="ArgumentException"/> unless the length is a whole number of samples.</summary>
        /// <param name="length">The block's length.</param>
        /// <param name="size">Values per sample.</param>
        /// <param name="parameterName">The name of the span's parameter.</param>
        /// <returns>The number of samples.</returns>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static int BatchCount(int length, int size, string parameterName)
        {
            if (length % size != 0)
            {
                throw new ArgumentException(
                    $"'{parameterName}' must hold whole samples of {size} values each (row-major), but its length {length} is not a multiple of {size}. Nothing was written.",
                    parameterName);
            }

            return length / size;
        }

        /// <summary>Throws <see cref="ArgumentException"/> unless a block holds exactly <paramref name="count"/> samples of
        /// <paramref name="size"/> values.</summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="count">The number of samples.</param>
        /// <param name="size">Values per sample.</param>
        /// <param name="parameterName">The name of the span's parameter.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BatchLength(int actual, int count, int size, string parameterName)
        {
            if ((long)count * size != actual)
            {
                throw new ArgumentException(
                    $"'{parameterName}' must hold {count} samples of {size} values ({(long)count * size} values), but its length is {actual}. Nothing was written.",
                    parameterName);
            }
        }

        /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless the learning rate is finite and not negative.</summary>
        /// <param name="learningRate">eta.</param>
        /// <param name="parameterName">The name of the parameter.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LearningRate<T>(T learningRate, string parameterName) where T : IFloatingPointIeee754<T>
        {
            if (!(learningRate >= T.Zero) || !T.IsFinite(learningRate))
            {
                ThrowLearningRate(learningRate, parameterName);
            }
        }

        /// <summary>Throws <see cref="ArithmeticException"/> when a sample's loss is NaN or infinite, before any
        /// parameter is updated.</summary>
        /// <param name="loss">The sample's loss.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void FiniteLoss<T>(T loss) where T : IFloatingPointIeee754<T>
        {
            if (!T.IsFinite(loss))
            {
                ThrowFiniteLoss(loss);
            }
        }

        // The checks above inline into the generated passes; what they throw stays out of line.
        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowLearningRate<T>(T learningRate, string parameterName) where T : IFloatingPointIeee754<T> =>
            throw new ArgumentOutOfRangeException(parameterName, learningRate, "The learning rate must be a finite number of at least 0. Nothing was written.");

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowFiniteLoss<T>(T loss) where T : IFloatingPointIeee754<T> =>
            throw new ArithmeticException($"The sample's loss is {loss.ToString(null, System.Globalization.CultureInfo.InvariantCulture)}, so no step was taken and the parameters are as they were. Check the input and target for NaN or infinite values, or lower the learning rate if earlier steps diverged.");

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowLength(int actual, int expected, string parameterName) =>
            throw new ArgumentException(
                $"'{parameterName}' must have length {expected}, but its length is {actual}. Nothing was written.",
                parameterName);
    }
}
