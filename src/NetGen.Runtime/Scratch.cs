using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Runtime
{
    /// <summary>Scratch space for networks whose passes need more than generated code puts on the stack: one buffer per
    /// thread and precision, grown once and reused, so a pass still allocates nothing after the first call and a large
    /// network cannot overflow the stack. Passes do not nest (they call no user code), so one buffer per thread suffices.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Scratch<T> where T : unmanaged
    {
        [ThreadStatic]
        private static T[]? t_buffer;

        /// <summary>A span of <paramref name="length"/> values; its contents are whatever the last pass left.</summary>
        public static Span<T> Get(int length)
        {
            T[]? buffer = t_buffer;
            if (buffer is null || buffer.Length < length)
            {
                t_buffer = buffer = new T[length];
            }

            return buffer.AsSpan(0, length);
        }

        /// <summary>The part of a stack buffer that starts at its first 64-byte boundary: <paramref name="buffer"/> less
        /// <c>64 / sizeof(T) - 1</c> values (allocate that much more than needed). Vector stores into aligned scratch
        /// never straddle two cache lines, and where a pass's scratch sits no longer depends on where the stack happens to
        /// be: S's forward pass measured 36 to 62 ns from one process to the next, 26 to 28 ns with aligned scratch and
        /// its activations fused into the kernels (alignment alone left 36 to 61; docs/performance.md). For stack memory
        /// only: a heap array may move, and with it the boundary.</summary>
        /// <exception cref="ArgumentException">T's size does not divide 64, or the buffer is shorter than the slack.</exception>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Span<T> Aligned(Span<T> buffer)
        {
            int slack = (64 / Unsafe.SizeOf<T>()) - 1;
            if (64 % Unsafe.SizeOf<T>() != 0 || buffer.Length < slack)
            {
                ThrowTooShort(buffer.Length, slack);
            }

            // The buffer's address, without pointers: its distance from address zero.
            nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetReference(buffer));
            int skip = (int)((-address & 63) / Unsafe.SizeOf<T>());
            return buffer.Slice(skip, buffer.Length - slack);
        }

        // Out of line, so that the passes that inline Aligned carry no message formatting.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowTooShort(int length, int slack) =>
            throw new ArgumentException($"Aligned scratch needs an element size that divides 64 and at least {slack} values more than it returns; the buffer has {length}.", "buffer");
    }
}
