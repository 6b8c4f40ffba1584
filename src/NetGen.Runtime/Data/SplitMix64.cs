namespace NetGen.Data
{
    /// <summary>The SplitMix64 generator (Steele, Lea and Flood, 2014): small, fast and fully specified, so streams are
    /// reproducible everywhere.</summary>
    public struct SplitMix64
    {
        private ulong _state;

        /// <summary>Starts the stream for <paramref name="seed"/>.</summary>
        public SplitMix64(long seed) => _state = unchecked((ulong)seed);

        /// <summary>The next 64 random bits.</summary>
        public ulong NextUInt64()
        {
            ulong z = unchecked(_state += 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return z ^ (z >> 31);
        }

        /// <summary>A double uniform in [0, 1), with 53 random bits.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>An integer uniform in [0, <paramref name="maxExclusive"/>), without modulo bias worth noticing for
        /// sizes below 2^32.</summary>
        public int NextInt(int maxExclusive) => (int)((NextUInt64() >> 32) * (ulong)maxExclusive >> 32);
    }
}
