using System;
using System.ComponentModel;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Runtime
{
    /// <summary>Deterministic parameter initialisation: uniform weights in <c>(-r, r)</c> drawn from a seeded SplitMix64
    /// stream, so a seed gives the same parameters on every machine and .NET version.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Initializer
    {
        /// <summary>Glorot/Xavier uniform range, <c>r = sqrt(6 / (fan_in + fan_out))</c>.</summary>
        public static double GlorotRange(int fanIn, int fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));

        /// <summary>He/Kaiming uniform range, <c>r = sqrt(6 / fan_in)</c>.</summary>
        public static double HeRange(int fanIn) => Math.Sqrt(6.0 / fanIn);

        /// <summary>Fills <paramref name="weights"/> with values drawn uniformly from <c>(-range, range)</c>.</summary>
        public static void Uniform<T>(Span<T> weights, double range, ref SplitMix64 random) where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = T.CreateTruncating((2.0 * random.NextDouble() - 1.0) * range);
            }
        }
    }
}
