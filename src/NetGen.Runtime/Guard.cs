using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
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

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowLength(int actual, int expected, string parameterName) =>
            throw new ArgumentException(
                $"'{parameterName}' must have length {expected}, but its length is {actual}. Nothing was written.",
                parameterName);
    }
}
