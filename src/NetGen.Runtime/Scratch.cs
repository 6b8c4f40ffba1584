using System;
using System.ComponentModel;

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
    }
}
