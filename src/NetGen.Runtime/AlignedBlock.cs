using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Runtime
{
    /// <summary>A network's parameters or gradients: <see cref="Length"/> values that start on a 64-byte boundary (a cache
    /// line, one 512-bit vector), in a pinned array so that the garbage collector never moves them off it.
    /// <para>Why: the kernels read weights in whole vectors, and where a plain array's values start depends on what the
    /// process allocated before it. M's <c>Forward</c> measured 201 to 213 ns with its weights on a 64-byte boundary and
    /// 282 to 308 ns off it, its <c>SgdStep</c> 647 to 662 against 789 to 826 ns, in the same process
    /// (docs/performance.md): vector loads that straddle two cache lines cost more, and which ones straddle decided a
    /// benchmark run before anything else did. L's first layer, 401 KB streamed from L2, is where it matters least for loads
    /// and most for stores: its update kernel is 27 to 47% faster aligned, while its forward kernel shows no consistent
    /// preference across processes and, within one, loads 6 to 22% slower aligned (<c>AlignmentBenchmarks</c>,
    /// docs/performance.md).</para>
    /// <para>Copies share the storage; <c>default</c> has none, and its <see cref="Span"/> throws.</para></summary>
    /// <typeparam name="T">float or double.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct AlignedBlock<T> where T : unmanaged
    {
        private const int Alignment = 64;

        private readonly T[] _array;
        private readonly int _start;

        /// <summary>Allocates <paramref name="length"/> zeroed values on a 64-byte boundary (on the pinned object heap, a
        /// few values more than asked for).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
        public AlignedBlock(int length)
        {
            if (length < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "The length of an aligned block must be at least 0.");
            }

            // Array data starts on an 8-byte boundary on 64-bit platforms, so the skip is a whole number of values for 4- and
            // 8-byte T; where it does not (a double array on a 32-bit platform), the block is as aligned as it can be.
            int slack = Alignment / Unsafe.SizeOf<T>();
            _array = GC.AllocateArray<T>(length + slack, pinned: true);
            nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetArrayDataReference(_array));
            _start = (int)((-address & (Alignment - 1)) / Unsafe.SizeOf<T>());
            Length = length;
        }

        /// <summary>The number of values.</summary>
        public int Length { get; }

        /// <summary>The values, starting on a 64-byte boundary.</summary>
        public Span<T> Span
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _start), Length);
        }
    }
}
