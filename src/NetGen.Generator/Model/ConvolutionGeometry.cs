using System;

namespace NetGen.Generator.Model
{
    /// <summary>The arithmetic of a convolution's or pool's window along one axis. One copy, shared by the declaration
    /// parser, the generator's reading of converted ONNX models and the ONNX importer (NetGen.Onnx compiles this file
    /// too, by a link in its project), so that the three never disagree on a size or a padding.</summary>
    internal static class ConvolutionGeometry
    {
        /// <summary>SAME padding of one axis: the output keeps <c>ceil(size / stride)</c> positions. ONNX's SAME_UPPER (and
        /// NetGen's <c>PaddingMode.Same</c>) put the extra zero of an odd total at the end; SAME_LOWER
        /// (<paramref name="lower"/>) at the start.</summary>
        public static (int Before, int After) Same(int size, int kernel, int stride, int dilation, bool lower = false)
        {
            long outputs = ((long)size + stride - 1) / stride;
            long total = Math.Max(0, ((outputs - 1) * stride) + ((long)(kernel - 1) * dilation) + 1 - size);
            int small = (int)Math.Min(total / 2, int.MaxValue), large = (int)Math.Min(total - (total / 2), int.MaxValue);
            return lower ? (large, small) : (small, large);
        }

        /// <summary>The output positions on one axis, PyTorch's rule: <c>floor((n + p0 + p1 - r(k - 1) - 1) / s) + 1</c>, or
        /// the ceiling in ceil mode, where a last window that would start in the end padding is dropped. 0 when the
        /// window does not fit the padded input.</summary>
        public static int OutputSize(int size, int kernel, int stride, int dilation, int before, int after, bool ceil)
        {
            long span = (long)size + before + after - ((long)dilation * (kernel - 1)) - 1;
            if (span < 0)
            {
                return 0;
            }

            long outputs = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
            if (ceil && (outputs - 1) * stride >= (long)size + before)
            {
                outputs--;
            }

            return (int)Math.Min(outputs, int.MaxValue);
        }

        /// <summary>Whether every window of a pool (dilation 1) holds at least one input, not only padding: the first
        /// starts before the input's end of its padding, the last starts inside the input. A max pool of nothing but
        /// padding has no value and an average of nothing has no divisor, so NetGen refuses such a geometry.</summary>
        public static bool EveryWindowTouchesInput(int size, int kernel, int stride, int before, int outputs) =>
            before < kernel && ((long)(outputs - 1) * stride) - before < size;
    }
}
