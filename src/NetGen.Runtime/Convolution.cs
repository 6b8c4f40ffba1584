using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Runtime
{
    /// <summary>The geometry of a convolution or a pool over one sample: input C x H x W, output C' x H' x W', a window of
    /// KH x KW taps with strides, dilations, zero padding and groups. A 1-D layer has H = H' = KH = 1. Generated code passes
    /// it with every field a constant of its layer.</summary>
    /// <param name="InChannels">C.</param>
    /// <param name="InHeight">H.</param>
    /// <param name="InWidth">W.</param>
    /// <param name="OutChannels">C' (equal to C for a pool).</param>
    /// <param name="OutHeight">H'.</param>
    /// <param name="OutWidth">W'.</param>
    /// <param name="KernelHeight">KH.</param>
    /// <param name="KernelWidth">KW.</param>
    /// <param name="StrideHeight">The step between output rows, in input rows.</param>
    /// <param name="StrideWidth">The step between output columns.</param>
    /// <param name="PadTop">Padding before the first row.</param>
    /// <param name="PadLeft">Padding before the first column.</param>
    /// <param name="DilationHeight">The spacing of kernel rows.</param>
    /// <param name="DilationWidth">The spacing of kernel columns.</param>
    /// <param name="Groups">Channel groups of a convolution (1 for a pool).</param>
    /// <param name="PadBottom">Padding after the last row: an average pool's divisor counts up to it.</param>
    /// <param name="PadRight">Padding after the last column.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly record struct ConvolutionShape(
        int InChannels,
        int InHeight,
        int InWidth,
        int OutChannels,
        int OutHeight,
        int OutWidth,
        int KernelHeight,
        int KernelWidth,
        int StrideHeight,
        int StrideWidth,
        int PadTop,
        int PadLeft,
        int DilationHeight,
        int DilationWidth,
        int Groups,
        int PadBottom,
        int PadRight)
    {
        /// <summary>C x H x W.</summary>
        public int InputSize => InChannels * InHeight * InWidth;

        /// <summary>C' x H' x W'.</summary>
        public int OutputSize => OutChannels * OutHeight * OutWidth;

        /// <summary>The taps one output channel of a convolution reads: C/groups x KH x KW (a row of its weights).</summary>
        public int Taps => InChannels / Groups * KernelHeight * KernelWidth;

        /// <summary>The weights of a convolution, <c>[C'][C/groups][KH][KW]</c> as PyTorch's <c>Conv2d.weight</c>.</summary>
        public int WeightCount => OutChannels * Taps;

        /// <summary>H' x W', the positions of one output channel.</summary>
        public int Positions => OutHeight * OutWidth;
    }

    /// <summary>Convolutions and pools over one sample or a block of samples stored one after another, channel-major then
    /// row-major (PyTorch's NCHW). See docs/maths.md#convolutions for the equations and the backward rules.</summary>
    /// <remarks>
    /// <para>A convolution runs as im2col: the taps each output position reads are gathered into the rows of a matrix
    /// <c>X</c> (<c>Taps</c> x <c>Positions</c> per group, zeros where the window is in the padding), so the layer becomes
    /// <c>A = W X + b</c>, a register-blocked matrix product (<see cref="ConvolutionKernels"/>). The backward pass is its
    /// transpose: <c>dW += dA X^T</c>, <c>db += row sums of dA</c>, <c>dX = W^T dA</c>, whose columns scatter back onto the
    /// input positions they came from (col2im, the transposed convolution).</para>
    /// <para>The gathered matrix lives in a per-thread workspace, grown once: nothing is allocated after the first call
    /// on a thread. Passes do not nest, so one workspace per thread suffices.</para>
    /// <para>Gradients of the parameters are added (<c>+=</c>); the input gradient is overwritten. An empty input gradient
    /// (the first layer's) is skipped.</para>
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Convolution
    {
        /// <summary>Forward: <c>a[o,y,x] = b[o] + sum_{c in group(o), i, j} w[o,c,i,j] x[c, y*sh + i*dh - pt, x*sw + j*dw - pl]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Convolve<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<T> x, in ConvolutionShape shape, Span<T> a)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(w.Length, shape.WeightCount, nameof(w));
            Check(x.Length, shape.InputSize, nameof(x));
            Check(a.Length, shape.OutputSize, nameof(a));
            if (!b.IsEmpty)
            {
                Check(b.Length, shape.OutChannels, nameof(b));
            }

            if (ReadsInPlace(shape))
            {
                ConvolveInPlace(w, b, x, shape, a);
                return;
            }

            int taps = shape.Taps, positions = shape.Positions;
            int outPerGroup = shape.OutChannels / shape.Groups;
            Span<T> columns = Workspace<T>.Get(checked(taps * positions), 0);
            for (int g = 0; g < shape.Groups; g++)
            {
                Gather(x, shape, g, columns);

                // A_g = W_g X + b_g: the group's output channels are consecutive, and so are their weight rows.
                Span<T> ag = a.Slice(g * outPerGroup * positions, outPerGroup * positions);
                ConvolutionKernels.Multiply(w.Slice(g * outPerGroup * taps, outPerGroup * taps), taps, 1, columns, ag, outPerGroup, taps, positions);
                if (!b.IsEmpty)
                {
                    for (int o = 0; o < outPerGroup; o++)
                    {
                        AddScalar(ag.Slice(o * positions, positions), b[(g * outPerGroup) + o]);
                    }
                }
            }
        }

        /// <summary>Whether <see cref="ConvolveInPlace{T}"/> serves this shape: stride 1 on both axes, and output rows no
        /// less than half as wide as the (padded) input rows it computes them over.</summary>
        internal static bool ReadsInPlace(in ConvolutionShape s) =>
            s.StrideHeight == 1 && s.StrideWidth == 1 && s.OutWidth + ((s.KernelWidth - 1) * s.DilationWidth) <= 2 * s.OutWidth;

        /// <summary>The forward pass of a stride-1 convolution without im2col. Over input rows <c>wp</c> wide (padded if
        /// the layer pads), tap (c, i, j) of output position <c>y * wp + x</c> is the input at <c>c * hp * wp + (y + i*dh) *
        /// wp + x + j*dw</c>: the position plus a constant. So row k of im2col's matrix is the input itself from offset k's
        /// constant on, and the product reads it in place. Its output is <c>wp</c> wide, of which the first W' columns of
        /// each row are the layer's; they are copied out with the bias added. Each output is the same sum, in the same
        /// order, of the same products as im2col's: the results are the same bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // compiled optimised at once, as every helper of the passes (cold start)
        private static void ConvolveInPlace<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<T> x, ConvolutionShape s, Span<T> a)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rows = new InPlace(s);
            int wp = rows.Width, plane = rows.Plane, perGroup = s.InChannels / s.Groups, outPerGroup = s.OutChannels / s.Groups;
            int taps = s.Taps, wide = rows.Wide, whole = RoundUp(s.OutWidth, Vector512<T>.Count);
            Span<T> work = Workspace<T>.Get(checked((rows.Padded ? s.InChannels * plane : 0) + (outPerGroup * wide)), 0);
            Span<T> product = work.Slice(0, outPerGroup * wide);
            ReadOnlySpan<T> input = rows.Padded ? rows.Pad(x, s, work.Slice(outPerGroup * wide, s.InChannels * plane)) : x;
            int[] starts = rows.Starts(s);
            for (int g = 0; g < s.Groups; g++)
            {
                ConvolutionKernels.MultiplyListed(w.Slice(g * outPerGroup * taps, outPerGroup * taps), taps, 1, input.Slice(g * perGroup * plane, perGroup * plane), starts, product, outPerGroup, taps, wide);
                for (int o = 0; o < outPerGroup; o++)
                {
                    int channel = (g * outPerGroup) + o;
                    T bias = b.IsEmpty ? T.Zero : b[channel];
                    for (int y = 0; y < s.OutHeight; y++)
                    {
                        int source = (o * wide) + (y * wp), target = (channel * s.Positions) + (y * s.OutWidth);
                        ref T from = ref Unsafe.Add(ref MemoryMarshal.GetReference(product), source);
                        ref T into = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), target);
                        if (Vector512.IsHardwareAccelerated && source + whole <= product.Length && target + whole <= a.Length)
                        {
                            // Whole vectors: the last runs into the next output row, which is written after this one.
                            for (int i = 0; i < whole; i += Vector512<T>.Count)
                            {
                                Vector512<T> value = Vector512.LoadUnsafe(ref from, (nuint)i);
                                (b.IsEmpty ? value : value + Vector512.Create(bias)).StoreUnsafe(ref into, (nuint)i);
                            }
                        }
                        else
                        {
                            CopyAdding(ref into, ref from, s.OutWidth, bias, !b.IsEmpty);
                        }
                    }
                }
            }
        }

        /// <summary>How a stride-1 convolution reads its input in place: each channel as <see cref="Height"/> rows of
        /// <see cref="Width"/> (the input with the layer's zero padding, and no more rows or columns than it reads), the
        /// output computed over rows of that width, <see cref="Wide"/> positions from the first output to the last.</summary>
        private readonly struct InPlace
        {
            public InPlace(in ConvolutionShape s)
            {
                Height = s.OutHeight + ((s.KernelHeight - 1) * s.DilationHeight);
                Width = s.OutWidth + ((s.KernelWidth - 1) * s.DilationWidth);
                Plane = checked(Height * Width);
                Wide = ((s.OutHeight - 1) * Width) + s.OutWidth;
                Padded = s.PadTop != 0 || s.PadLeft != 0 || Height != s.InHeight || Width != s.InWidth;
            }

            public int Height { get; }

            public int Width { get; }

            public int Plane { get; }

            public int Wide { get; }

            /// <summary>Whether the input must be copied into padded planes (else it is read as it is).</summary>
            public bool Padded { get; }

            /// <summary>Where each tap's row starts in the group's padded planes: <c>c * plane + i * dh * width + j * dw</c>
            /// for tap <c>k = (c * KH + i) * KW + j</c>, in a per-thread table.</summary>
            public int[] Starts(in ConvolutionShape s)
            {
                int[] starts = StartsTable.Get(s, s.Taps, out bool filled);
                if (filled)
                {
                    return starts;
                }

                int k = 0;
                for (int c = 0; c < s.InChannels / s.Groups; c++)
                {
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        for (int j = 0; j < s.KernelWidth; j++, k++)
                        {
                            starts[k] = (c * Plane) + (i * s.DilationHeight * Width) + (j * s.DilationWidth);
                        }
                    }
                }

                return starts;
            }

            /// <summary>The input copied into <paramref name="copy"/> with its padding.</summary>
            public Span<T> Pad<T>(ReadOnlySpan<T> x, in ConvolutionShape s, Span<T> copy)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                copy.Clear();
                int rows = Math.Min(s.InHeight, Height - s.PadTop), width = Math.Min(s.InWidth, Width - s.PadLeft);
                for (int c = 0; c < s.InChannels && width > 0; c++)
                {
                    for (int y = 0; y < rows; y++)
                    {
                        // Short rows, copied inline rather than through a call each.
                        Copy(ref Unsafe.Add(ref MemoryMarshal.GetReference(copy), (((c * Height) + y + s.PadTop) * Width) + s.PadLeft), ref Unsafe.Add(ref MemoryMarshal.GetReference(x), ((c * s.InHeight) + y) * s.InWidth), width);
                    }
                }

                return copy;
            }

            /// <summary>The inverse of <see cref="Pad{T}"/>: the input positions of <paramref name="padded"/> into
            /// <paramref name="dx"/> (which keeps its zeros where the layer reads nothing).</summary>
            public void Unpad<T>(ReadOnlySpan<T> padded, in ConvolutionShape s, Span<T> dx)
                where T : unmanaged
            {
                int rows = Math.Min(s.InHeight, Height - s.PadTop), width = Math.Min(s.InWidth, Width - s.PadLeft);
                for (int c = 0; c < s.InChannels && width > 0; c++)
                {
                    for (int y = 0; y < rows; y++)
                    {
                        padded.Slice((((c * Height) + y + s.PadTop) * Width) + s.PadLeft, width).CopyTo(dx.Slice(((c * s.InHeight) + y) * s.InWidth, width));
                    }
                }
            }
        }

        /// <summary>The per-thread tables of row starts for <see cref="InPlace.Starts"/>: those of the last four shapes,
        /// so that each layer of a network finds its table filled on every call after its first.</summary>
        private static class StartsTable
        {
            private const int Slots = 4;

            [ThreadStatic]
            private static ConvolutionShape[]? t_shapes;

            [ThreadStatic]
            private static int[]?[]? t_tables;

            [ThreadStatic]
            private static int t_next;

            /// <summary>A table of at least <paramref name="length"/> entries: <paramref name="shape"/>'s, filled, or a
            /// slot taken for it (its array reused when long enough, so nothing is allocated once the slots have grown).</summary>
            public static int[] Get(in ConvolutionShape shape, int length, out bool filled)
            {
                ConvolutionShape[] shapes = t_shapes ??= new ConvolutionShape[Slots];
                int[]?[] tables = t_tables ??= new int[]?[Slots];
                for (int i = 0; i < Slots; i++)
                {
                    if (tables[i] is { } table && shapes[i] == shape)
                    {
                        filled = true;
                        return table;
                    }
                }

                int slot = t_next;
                t_next = (slot + 1) % Slots;
                int[]? taken = tables[slot];
                if (taken is null || taken.Length < length)
                {
                    tables[slot] = taken = new int[length];
                }

                shapes[slot] = shape;
                filled = false;
                return taken;
            }
        }

        /// <summary>The backward pass of a stride-1 convolution, reading its input in place as
        /// <see cref="ConvolveInPlace{T}"/> does. <c>dA</c> is laid over the same wide rows with zeros in the columns past
        /// W'. The weight gradient is, for a layer with at least 8 output channels per group,
        /// <see cref="ConvolutionKernels.WeightGradient{T}"/> (vectors across the output channels, no horizontal sums;
        /// each gradient a chain over the positions in order), else dot products of the wide <c>dA</c> rows with the
        /// input rows. The input gradient is <c>W^T dA</c> over the wide rows, each tap's row added onto the padded input
        /// planes from its start (col2im without the per-row copies): the same sums in the same order as im2col's, so
        /// the same bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // compiled optimised at once, as every helper of the passes (cold start)
        private static void ConvolveBackwardInPlace<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> da, ConvolutionShape s, Span<T> dw, Span<T> db, Span<T> dx, int samples)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rows = new InPlace(s);
            int wp = rows.Width, plane = rows.Plane, wide = rows.Wide, taps = s.Taps, positions = s.Positions;
            int perGroup = s.InChannels / s.Groups, outPerGroup = s.OutChannels / s.Groups, n = s.InputSize, m = s.OutputSize;
            bool transposed = outPerGroup >= 8, inputGradient = !dx.IsEmpty;
            int width = !transposed ? 0 : Vector512.IsHardwareAccelerated ? RoundUp(outPerGroup, 16) : RoundUp(outPerGroup, 8);
            int copyLength = rows.Padded ? s.InChannels * plane : 0, wideLength = !transposed || inputGradient ? outPerGroup * wide : 0;
            int columnsLength = inputGradient ? taps * wide : 0, padLength = inputGradient && rows.Padded ? s.InChannels * plane : 0;
            int transposedLength = transposed ? (positions + (s.Groups * taps)) * width : 0;
            Span<T> work = Workspace<T>.Get(checked(copyLength + wideLength + columnsLength + padLength + transposedLength), 0);
            Span<T> copy = work.Slice(0, copyLength);
            Span<T> daWide = work.Slice(copyLength, wideLength);
            Span<T> columns = work.Slice(copyLength + wideLength, columnsLength);
            Span<T> dxPadded = work.Slice(copyLength + wideLength + columnsLength, padLength);
            Span<T> daT = work.Slice(copyLength + wideLength + columnsLength + padLength, positions * width);
            Span<T> gT = work.Slice(copyLength + wideLength + columnsLength + padLength + (positions * width), s.Groups * taps * width);
            daWide.Clear(); // the columns past W' stay zero
            daT.Clear();    // and so do the channels past the layer's
            gT.Clear();     // the weight gradients' chains continue across the samples
            int[] starts = rows.Starts(s);
            for (int r = 0; r < samples; r++)
            {
                ReadOnlySpan<T> input = rows.Padded ? rows.Pad(x.Slice(r * n, n), s, copy) : x.Slice(r * n, n);
                ReadOnlySpan<T> dar = da.Slice(r * m, m);
                Span<T> dxr = inputGradient ? dx.Slice(r * n, n) : dx;
                Span<T> target = rows.Padded ? dxPadded : dxr;
                dxr.Clear(); // with padding, rows and columns the layer never reads keep a zero gradient
                dxPadded.Clear();
                for (int g = 0; g < s.Groups; g++)
                {
                    ReadOnlySpan<T> dag = dar.Slice(g * outPerGroup * positions, outPerGroup * positions);
                    ReadOnlySpan<T> inputG = input.Slice(g * perGroup * plane, perGroup * plane);
                    for (int o = 0; o < outPerGroup; o++)
                    {
                        if (!db.IsEmpty)
                        {
                            db[(g * outPerGroup) + o] += TensorPrimitives.Sum(dag.Slice(o * positions, positions));
                        }

                        for (int y = 0; y < s.OutHeight && !daWide.IsEmpty; y++)
                        {
                            Copy(ref Unsafe.Add(ref MemoryMarshal.GetReference(daWide), (o * wide) + (y * wp)), ref Unsafe.Add(ref MemoryMarshal.GetReference(dag), (o * positions) + (y * s.OutWidth)), s.OutWidth);
                        }

                        if (transposed)
                        {
                            // dA^T, a column of it per channel (refs: the positions are many and the copy is strided).
                            ref T from = ref Unsafe.Add(ref MemoryMarshal.GetReference(dag), o * positions);
                            ref T into = ref Unsafe.Add(ref MemoryMarshal.GetReference(daT), o);
                            for (int p = 0; p < positions; p++)
                            {
                                Unsafe.Add(ref into, p * width) = Unsafe.Add(ref from, p);
                            }
                        }
                    }

                    if (transposed)
                    {
                        ConvolutionKernels.WeightGradient(inputG, starts, daT, width, gT.Slice(g * taps * width, taps * width), taps, s.OutHeight, s.OutWidth, wp);
                    }
                    else
                    {
                        ConvolutionKernels.MultiplyTransposedListed(daWide, inputG, starts, dw.Slice(g * outPerGroup * taps, outPerGroup * taps), outPerGroup, taps, wide);
                    }

                    if (inputGradient)
                    {
                        ConvolutionKernels.Multiply(w.Slice(g * outPerGroup * taps, outPerGroup * taps), 1, taps, daWide, columns, taps, outPerGroup, wide);
                        Span<T> targetG = target.Slice(g * perGroup * plane, perGroup * plane);
                        for (int k = 0; k < taps; k++)
                        {
                            AddInto(targetG.Slice(starts[k], wide), columns.Slice(k * wide, wide));
                        }
                    }
                }

                if (inputGradient && rows.Padded)
                {
                    rows.Unpad(dxPadded, s, dxr);
                }
            }

            for (int g = 0; g < s.Groups && transposed; g++)
            {
                // The batch's weight gradient, transposed back and added once.
                for (int o = 0; o < outPerGroup; o++)
                {
                    ref T into = ref Unsafe.Add(ref MemoryMarshal.GetReference(dw), ((g * outPerGroup) + o) * taps);
                    ref T from = ref Unsafe.Add(ref MemoryMarshal.GetReference(gT), (g * taps * width) + o);
                    for (int k = 0; k < taps; k++)
                    {
                        Unsafe.Add(ref into, k) += Unsafe.Add(ref from, k * width);
                    }
                }
            }
        }

        private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

        /// <summary><c>target = source + bias</c> (or a plain copy) over one output row: vectors, the last overlapping the
        /// one before, then scalars where the row is shorter than a vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyAdding<T>(ref T target, ref T source, int count, T bias, bool add)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated && count >= Vector256<T>.Count)
            {
                Vector256<T> v = Vector256.Create(bias);
                int lanes = Vector256<T>.Count;
                while (i < count)
                {
                    i = Math.Min(i, count - lanes);
                    Vector256<T> value = Vector256.LoadUnsafe(ref source, (nuint)i);
                    (add ? value + v : value).StoreUnsafe(ref target, (nuint)i);
                    i += lanes;
                }

                return;
            }

            for (; i < count; i++)
            {
                T value = Unsafe.Add(ref source, i);
                Unsafe.Add(ref target, i) = add ? value + bias : value;
            }
        }

        /// <summary>Backward: <c>dw[o,k] += dA[o,:] . X[k,:]</c>, <c>db[o] += sum dA[o,:]</c> and, unless
        /// <paramref name="dx"/> is empty, <c>dx = col2im(W^T dA)</c>, the transposed convolution.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ConvolveBackward<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> da, in ConvolutionShape shape, Span<T> dw, Span<T> db, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            CheckBackward(w, x, da, shape, dw, db, dx, 1);
            if (ReadsInPlace(shape))
            {
                ConvolveBackwardInPlace(w, x, da, shape, dw, db, dx, 1);
                return;
            }

            dx.Clear();

            int taps = shape.Taps, positions = shape.Positions;
            int outPerGroup = shape.OutChannels / shape.Groups;
            Span<T> columns = Workspace<T>.Get(checked(taps * positions), taps * positions);
            Span<T> dcolumns = Workspace<T>.Second(taps * positions);
            for (int g = 0; g < shape.Groups; g++)
            {
                Gather(x, shape, g, columns);
                ReadOnlySpan<T> dag = da.Slice(g * outPerGroup * positions, outPerGroup * positions);
                if (!db.IsEmpty)
                {
                    for (int o = 0; o < outPerGroup; o++)
                    {
                        db[(g * outPerGroup) + o] += TensorPrimitives.Sum(dag.Slice(o * positions, positions));
                    }
                }

                // dW_g += dA_g X^T, and dX = W_g^T dA_g (W_g read transposed through its strides), scattered back (col2im).
                ConvolutionKernels.MultiplyTransposed(dag, columns, dw.Slice(g * outPerGroup * taps, outPerGroup * taps), outPerGroup, taps, positions);
                if (!dx.IsEmpty)
                {
                    ConvolutionKernels.Multiply(w.Slice(g * outPerGroup * taps, outPerGroup * taps), 1, taps, dag, dcolumns, taps, outPerGroup, positions);
                    Scatter(dcolumns, shape, g, dx);
                }
            }
        }

        /// <summary><see cref="Convolve{T}"/> for each of <paramref name="rows"/> samples stored one after another.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ConvolveBatch<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<T> x, in ConvolutionShape shape, Span<T> a, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = shape.InputSize, m = shape.OutputSize;
            Check(x.Length, n * rows, nameof(x));
            Check(a.Length, m * rows, nameof(a));
            for (int r = 0; r < rows; r++)
            {
                Convolve(w, b, x.Slice(r * n, n), shape, a.Slice(r * m, m));
            }
        }

        /// <summary><see cref="ConvolveBackward{T}"/> for each of <paramref name="rows"/> samples, the parameter gradients
        /// summed in row order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ConvolveBatchBackward<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> da, in ConvolutionShape shape, Span<T> dw, Span<T> db, Span<T> dx, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = shape.InputSize, m = shape.OutputSize;
            CheckBackward(w, x, da, shape, dw, db, dx, rows);
            if (ReadsInPlace(shape))
            {
                // One pass over the block: the weight gradient's chains run on across the samples (then it is added
                // once), which sums it in row order as the loop below does, rounded in another place.
                ConvolveBackwardInPlace(w, x, da, shape, dw, db, dx, rows);
                return;
            }

            for (int r = 0; r < rows; r++)
            {
                ConvolveBackward(w, x.Slice(r * n, n), da.Slice(r * m, m), shape, dw, db, dx.IsEmpty ? dx : dx.Slice(r * n, n));
            }
        }

        /// <summary>Max pooling: each output is the largest input in its window; padding never wins, and NaN does (as PyTorch).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxPool<T>(ReadOnlySpan<T> x, in ConvolutionShape shape, Span<T> a)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(x.Length, shape.InputSize, nameof(x));
            Check(a.Length, shape.OutputSize, nameof(a));
            ConvolutionShape s = shape; // a local copy: stores through the spans cannot make the JIT reload its fields
            int planeIn = s.InHeight * s.InWidth;
            if (Inside(s))
            {
                MaxPoolInside(x, s, a);
                return;
            }

            for (int c = 0; c < s.InChannels; c++)
            {
                ReadOnlySpan<T> xc = x.Slice(c * planeIn, planeIn);
                Span<T> ac = a.Slice(c * s.Positions, s.Positions);
                for (int y = 0; y < s.OutHeight; y++)
                {
                    for (int ox = 0; ox < s.OutWidth; ox++)
                    {
                        ac[(y * s.OutWidth) + ox] = xc[ArgMax(xc, s, y, ox)];
                    }
                }
            }
        }

        /// <summary>Max pooling backward where every window is inside the input: the arg-max as <see cref="MaxPoolInside{T}"/>
        /// finds the maximum (strictly larger wins; the first NaN stays), its gradient added there.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // compiled optimised at once, as every helper of the passes (cold start)
        private static void MaxPoolBackwardInside<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> da, ConvolutionShape s, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T input = ref MemoryMarshal.GetReference(x);
            ref T gradient = ref MemoryMarshal.GetReference(da);
            ref T target = ref MemoryMarshal.GetReference(dx);
            int planeIn = s.InHeight * s.InWidth, kh = s.KernelHeight, kw = s.KernelWidth, rowStep = s.DilationHeight * s.InWidth, dw = s.DilationWidth;
            int o = 0;
            for (int c = 0; c < s.InChannels; c++)
            {
                int plane = c * planeIn;
                for (int y = 0; y < s.OutHeight; y++)
                {
                    int row = plane + (y * s.StrideHeight * s.InWidth);
                    if (kh == 2 && kw == 2 && rowStep == s.InWidth && dw == 1)
                    {
                        int done = 0;
                        if (typeof(T) == typeof(float) && s.StrideWidth == 2)
                        {
                            done = MaxPoolBackwardRow2x2(
                                ref Unsafe.As<T, float>(ref Unsafe.Add(ref input, row)),
                                s.InWidth,
                                ref Unsafe.As<T, float>(ref Unsafe.Add(ref gradient, o)),
                                ref Unsafe.As<T, float>(ref Unsafe.Add(ref target, row)),
                                s.OutWidth,
                                alone: s.StrideHeight >= 2);
                            o += done;
                        }

                        // The common 2 x 2 window, unrolled, with the rule of Larger.
                        for (int ox = done; ox < s.OutWidth; ox++, o++)
                        {
                            int first = row + (ox * s.StrideWidth), winner = first;
                            T largest = Unsafe.Add(ref input, first);
                            Consider(ref largest, ref winner, Unsafe.Add(ref input, first + 1), first + 1);
                            Consider(ref largest, ref winner, Unsafe.Add(ref input, first + s.InWidth), first + s.InWidth);
                            Consider(ref largest, ref winner, Unsafe.Add(ref input, first + s.InWidth + 1), first + s.InWidth + 1);
                            Unsafe.Add(ref target, winner) += Unsafe.Add(ref gradient, o);
                        }

                        continue;
                    }

                    for (int ox = 0; ox < s.OutWidth; ox++, o++)
                    {
                        int winner = row + (ox * s.StrideWidth);
                        T largest = Unsafe.Add(ref input, winner);
                        for (int i = 0; i < kh && !T.IsNaN(largest); i++)
                        {
                            int at = row + (ox * s.StrideWidth) + (i * rowStep);
                            for (int j = 0; j < kw; j++)
                            {
                                T value = Unsafe.Add(ref input, at + (j * dw));
                                if (value > largest || T.IsNaN(value))
                                {
                                    (winner, largest) = (at + (j * dw), value);
                                    if (T.IsNaN(value))
                                    {
                                        break;
                                    }
                                }
                            }
                        }

                        Unsafe.Add(ref target, winner) += Unsafe.Add(ref gradient, o);
                    }
                }
            }
        }

        /// <summary>The max pool's rule for the next value of a window: it replaces the largest so far when strictly larger
        /// or NaN, unless a NaN is already there (which stays).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Larger<T>(T largest, T value)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            !T.IsNaN(largest) && (value > largest || T.IsNaN(value)) ? value : largest;

        /// <summary><see cref="Larger{T}"/> that also keeps the winner's index.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Consider<T>(ref T largest, ref int winner, T value, int index)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!T.IsNaN(largest) && (value > largest || T.IsNaN(value)))
            {
                largest = value;
                winner = index;
            }
        }

        /// <summary>Whether every window lies inside the input (no padding, and no ceil-mode window past the edge), so
        /// that the pools need no bounds test per tap.</summary>
        internal static bool Inside(in ConvolutionShape s) =>
            s.PadTop == 0 && s.PadLeft == 0
            && ((s.OutHeight - 1) * s.StrideHeight) + ((s.KernelHeight - 1) * s.DilationHeight) < s.InHeight
            && ((s.OutWidth - 1) * s.StrideWidth) + ((s.KernelWidth - 1) * s.DilationWidth) < s.InWidth;

        /// <summary>Max pooling where every window is inside the input: the same rule as <see cref="ArgMax{T}"/> (strictly
        /// larger wins, so the first of equals stays; a NaN wins and stays), in plain loops.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // compiled optimised at once, as every helper of the passes (cold start)
        private static void MaxPoolInside<T>(ReadOnlySpan<T> x, ConvolutionShape s, Span<T> a)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T input = ref MemoryMarshal.GetReference(x);
            ref T output = ref MemoryMarshal.GetReference(a);
            int planeIn = s.InHeight * s.InWidth, kh = s.KernelHeight, kw = s.KernelWidth, rowStep = s.DilationHeight * s.InWidth, dw = s.DilationWidth;
            int o = 0;
            for (int c = 0; c < s.InChannels; c++)
            {
                int plane = c * planeIn;
                for (int y = 0; y < s.OutHeight; y++)
                {
                    int row = plane + (y * s.StrideHeight * s.InWidth);
                    if (kh == 2 && kw == 2 && rowStep == s.InWidth && dw == 1)
                    {
                        // A row narrower than a vector of outputs takes a whole vector, spilling into the next row's outputs
                        // (written after it) while both spans have the room.
                        if (typeof(T) == typeof(float) && s.StrideWidth == 2 && Avx512F.IsSupported && s.OutWidth < Vector512<float>.Count
                            && o + Vector512<float>.Count <= a.Length && row + s.InWidth + (2 * Vector512<float>.Count) <= x.Length)
                        {
                            MaxPool2x2Spilling(ref Unsafe.As<T, float>(ref Unsafe.Add(ref input, row)), s.InWidth, ref Unsafe.As<T, float>(ref Unsafe.Add(ref output, o)));
                            o += s.OutWidth;
                            continue;
                        }

                        if (typeof(T) == typeof(float) && s.StrideWidth == 2 && MaxPoolRow2x2(ref Unsafe.As<T, float>(ref Unsafe.Add(ref input, row)), s.InWidth, ref Unsafe.As<T, float>(ref Unsafe.Add(ref output, o)), s.OutWidth))
                        {
                            o += s.OutWidth;
                            continue;
                        }

                        // The common 2 x 2 window, unrolled: the same comparisons in the same order as the loops below.
                        for (int ox = 0; ox < s.OutWidth; ox++, o++)
                        {
                            ref T top = ref Unsafe.Add(ref input, row + (ox * s.StrideWidth));
                            T largest = top;
                            largest = Larger(largest, Unsafe.Add(ref top, 1));
                            largest = Larger(largest, Unsafe.Add(ref top, s.InWidth));
                            largest = Larger(largest, Unsafe.Add(ref top, s.InWidth + 1));
                            Unsafe.Add(ref output, o) = largest;
                        }

                        continue;
                    }

                    for (int ox = 0; ox < s.OutWidth; ox++, o++)
                    {
                        int first = row + (ox * s.StrideWidth);
                        T largest = Unsafe.Add(ref input, first);
                        for (int i = 0; i < kh && !T.IsNaN(largest); i++)
                        {
                            int at = first + (i * rowStep);
                            for (int j = 0; j < kw; j++)
                            {
                                T value = Unsafe.Add(ref input, at + (j * dw));
                                if (value > largest || T.IsNaN(value))
                                {
                                    largest = value;
                                    if (T.IsNaN(value))
                                    {
                                        break;
                                    }
                                }
                            }
                        }

                        Unsafe.Add(ref output, o) = largest;
                    }
                }
            }
        }

        /// <summary>Sixteen outputs of a 2 x 2, stride-2 max pool from the row pair at <paramref name="top"/> (rows
        /// <paramref name="width"/> apart): the even and odd columns of 32 inputs a row by two-source permutes, then the
        /// window's values in the scalar order (top left, top right, bottom left, bottom right). Without a NaN (checked on
        /// the sum of the four) <c>vmaxps(value, largest)</c> is that order's rule exactly (a tie keeps the earlier value);
        /// with one, the lane-wise rule of <see cref="Larger(Vector512{float}, Vector512{float})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MaxPool2x2Spilling(ref float top, int width, ref float output)
        {
            Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            Vector512<int> odd = even + Vector512<int>.One;
            ref float bottom = ref Unsafe.Add(ref top, width);
            Vector512<float> t0 = Vector512.LoadUnsafe(ref top), t1 = Vector512.LoadUnsafe(ref top, 16);
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bottom), b1 = Vector512.LoadUnsafe(ref bottom, 16);
            Vector512<float> topLeft = Avx512F.PermuteVar16x32x2(t0, even, t1), topRight = Avx512F.PermuteVar16x32x2(t0, odd, t1);
            Vector512<float> bottomLeft = Avx512F.PermuteVar16x32x2(b0, even, b1), bottomRight = Avx512F.PermuteVar16x32x2(b0, odd, b1);
            Vector512<float> sum = (topLeft + topRight) + (bottomLeft + bottomRight);
            Vector512<float> largest = Vector512.EqualsAll(sum, sum)
                ? Avx512F.Max(bottomRight, Avx512F.Max(bottomLeft, Avx512F.Max(topRight, topLeft)))
                : Larger(Larger(Larger(topLeft, topRight), bottomLeft), bottomRight);
            largest.StoreUnsafe(ref output);
        }

        /// <summary>One output row of a 2 x 2 max pool with stride 2 in vectors, if the row fills one: the even and odd
        /// columns of the two input rows are split apart (each pair of floats read as one 64-bit lane and narrowed), then
        /// <see cref="Larger{T}"/>'s rule is applied lane-wise in the scalar loop's order: top left, top right, bottom
        /// left, bottom right. The last vector overlaps the one before. Returns false, writing nothing, for a row
        /// narrower than a vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool MaxPoolRow2x2(ref float top, int width, ref float output, int outWidth)
        {
            ref float bottom = ref Unsafe.Add(ref top, width);
            if (Vector256.IsHardwareAccelerated && outWidth >= Vector256<float>.Count)
            {
                int lanes = Vector256<float>.Count;
                for (int x = 0; x < outWidth; x += lanes)
                {
                    x = Math.Min(x, outWidth - lanes);
                    Vector256<float> left = Columns(ref top, 2 * x, out Vector256<float> right);
                    Vector256<float> largest = Larger(left, right);
                    left = Columns(ref bottom, 2 * x, out right);
                    Larger(Larger(largest, left), right).StoreUnsafe(ref output, (nuint)x);
                }

                return true;
            }

            if (Vector128.IsHardwareAccelerated && outWidth >= Vector128<float>.Count)
            {
                int lanes = Vector128<float>.Count;
                for (int x = 0; x < outWidth; x += lanes)
                {
                    x = Math.Min(x, outWidth - lanes);
                    Vector128<float> left = Columns(ref top, 2 * x, out Vector128<float> right);
                    Vector128<float> largest = Larger(left, right);
                    left = Columns(ref bottom, 2 * x, out right);
                    Larger(Larger(largest, left), right).StoreUnsafe(ref output, (nuint)x);
                }

                return true;
            }

            return false;
        }

        /// <summary>The backward pass of <see cref="MaxPoolRow2x2"/> for one row of outputs, in vectors (returned: how many
        /// outputs it did; the caller does the rest in scalars). Each lane finds its window's winner by the same
        /// comparisons in the same order as <see cref="Consider{T}"/>, then the gradient goes to the winner and zero
        /// elsewhere, the columns interleaved back (each even and odd pair widened into one 64-bit lane). When no other
        /// output row reads these two input rows (<paramref name="alone"/>: stride 2 down), the values are stored, as
        /// <c>0 + g</c> like the scalar loop's <c>dx += g</c> on a cleared row, and the last vector may overlap the one
        /// before; otherwise (stride 1 down) they are added in output order, in whole vectors only.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int MaxPoolBackwardRow2x2(ref float top, int width, ref float gradient, ref float target, int outWidth, bool alone)
        {
            ref float bottom = ref Unsafe.Add(ref top, width);
            ref float targetBottom = ref Unsafe.Add(ref target, width);
            int x = 0;
            if (Vector256.IsHardwareAccelerated && outWidth >= Vector256<float>.Count)
            {
                int lanes = Vector256<float>.Count, end = alone ? outWidth : outWidth - (outWidth % lanes);
                for (; x < end; x += lanes)
                {
                    x = Math.Min(x, outWidth - lanes);
                    Vector256<float> topLeft = Columns(ref top, 2 * x, out Vector256<float> topRight);
                    Vector256<float> bottomLeft = Columns(ref bottom, 2 * x, out Vector256<float> bottomRight);
                    Vector256<float> m1 = LargerMask(topLeft, topRight), largest = Vector256.ConditionalSelect(m1, topRight, topLeft);
                    Vector256<float> m2 = LargerMask(largest, bottomLeft);
                    largest = Vector256.ConditionalSelect(m2, bottomLeft, largest);
                    Vector256<float> m3 = LargerMask(largest, bottomRight);
                    Vector256<float> d = Vector256.LoadUnsafe(ref gradient, (nuint)x);
                    Vector256<float> later = m2 | m3;
                    Interleave(ref target, 2 * x, Vector256.AndNot(d, m1 | later), d & Vector256.AndNot(m1, later), alone);
                    Interleave(ref targetBottom, 2 * x, d & Vector256.AndNot(m2, m3), d & m3, alone);
                }

                x = end;
            }

            if (Vector128.IsHardwareAccelerated && outWidth - x >= Vector128<float>.Count)
            {
                int lanes = Vector128<float>.Count, end = alone ? outWidth : outWidth - ((outWidth - x) % lanes);
                for (; x < end; x += lanes)
                {
                    x = Math.Min(x, outWidth - lanes);
                    Vector128<float> topLeft = Columns(ref top, 2 * x, out Vector128<float> topRight);
                    Vector128<float> bottomLeft = Columns(ref bottom, 2 * x, out Vector128<float> bottomRight);
                    Vector128<float> m1 = LargerMask(topLeft, topRight), largest = Vector128.ConditionalSelect(m1, topRight, topLeft);
                    Vector128<float> m2 = LargerMask(largest, bottomLeft);
                    largest = Vector128.ConditionalSelect(m2, bottomLeft, largest);
                    Vector128<float> m3 = LargerMask(largest, bottomRight);
                    Vector128<float> d = Vector128.LoadUnsafe(ref gradient, (nuint)x);
                    Vector128<float> later = m2 | m3;
                    Interleave(ref target, 2 * x, Vector128.AndNot(d, m1 | later), d & Vector128.AndNot(m1, later), alone);
                    Interleave(ref targetBottom, 2 * x, d & Vector128.AndNot(m2, m3), d & m3, alone);
                }

                x = end;
            }

            return x;
        }

        /// <summary><c>row[at + 2i] = even[i]</c> and <c>row[at + 2i + 1] = odd[i]</c>, added to what is there unless
        /// <paramref name="store"/> (then <c>0 + value</c>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Interleave(ref float row, int at, Vector256<float> even, Vector256<float> odd, bool store)
        {
            (Vector256<ulong> evenLow, Vector256<ulong> evenHigh) = Vector256.Widen(even.AsUInt32());
            (Vector256<ulong> oddLow, Vector256<ulong> oddHigh) = Vector256.Widen(odd.AsUInt32());
            int next = at + Vector256<float>.Count;
            Vector256<float> first = store ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref row, (nuint)at);
            Vector256<float> second = store ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref row, (nuint)next);
            (first + (evenLow | Vector256.ShiftLeft(oddLow, 32)).AsSingle()).StoreUnsafe(ref row, (nuint)at);
            (second + (evenHigh | Vector256.ShiftLeft(oddHigh, 32)).AsSingle()).StoreUnsafe(ref row, (nuint)next);
        }

        /// <inheritdoc cref="Interleave(ref float, int, Vector256{float}, Vector256{float}, bool)"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Interleave(ref float row, int at, Vector128<float> even, Vector128<float> odd, bool store)
        {
            (Vector128<ulong> evenLow, Vector128<ulong> evenHigh) = Vector128.Widen(even.AsUInt32());
            (Vector128<ulong> oddLow, Vector128<ulong> oddHigh) = Vector128.Widen(odd.AsUInt32());
            int next = at + Vector128<float>.Count;
            Vector128<float> first = store ? Vector128<float>.Zero : Vector128.LoadUnsafe(ref row, (nuint)at);
            Vector128<float> second = store ? Vector128<float>.Zero : Vector128.LoadUnsafe(ref row, (nuint)next);
            (first + (evenLow | Vector128.ShiftLeft(oddLow, 32)).AsSingle()).StoreUnsafe(ref row, (nuint)at);
            (second + (evenHigh | Vector128.ShiftLeft(oddHigh, 32)).AsSingle()).StoreUnsafe(ref row, (nuint)next);
        }

        /// <summary>The even columns of <c>row[at .. at + 2n)</c>, and the odd ones in <paramref name="odd"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Columns(ref float row, int at, out Vector256<float> odd)
        {
            Vector256<ulong> low = Vector256.LoadUnsafe(ref row, (nuint)at).AsUInt64();
            Vector256<ulong> high = Vector256.LoadUnsafe(ref row, (nuint)(at + Vector256<float>.Count)).AsUInt64();
            odd = Vector256.Narrow(Vector256.ShiftRightLogical(low, 32), Vector256.ShiftRightLogical(high, 32)).AsSingle();
            return Vector256.Narrow(low, high).AsSingle();
        }

        /// <inheritdoc cref="Columns(ref float, int, out Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Columns(ref float row, int at, out Vector128<float> odd)
        {
            Vector128<ulong> low = Vector128.LoadUnsafe(ref row, (nuint)at).AsUInt64();
            Vector128<ulong> high = Vector128.LoadUnsafe(ref row, (nuint)(at + Vector128<float>.Count)).AsUInt64();
            odd = Vector128.Narrow(Vector128.ShiftRightLogical(low, 32), Vector128.ShiftRightLogical(high, 32)).AsSingle();
            return Vector128.Narrow(low, high).AsSingle();
        }

        /// <inheritdoc cref="Larger(Vector256{float}, Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Larger(Vector512<float> largest, Vector512<float> value) =>
            Vector512.ConditionalSelect((Vector512.GreaterThan(value, largest) | ~Vector512.Equals(value, value)) & Vector512.Equals(largest, largest), value, largest);

        /// <summary><see cref="Larger{T}"/> lane-wise: <paramref name="value"/> where it is strictly larger or NaN, unless
        /// <paramref name="largest"/> is NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Larger(Vector256<float> largest, Vector256<float> value) =>
            Vector256.ConditionalSelect(LargerMask(largest, value), value, largest);

        /// <inheritdoc cref="Larger(Vector256{float}, Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Larger(Vector128<float> largest, Vector128<float> value) =>
            Vector128.ConditionalSelect(LargerMask(largest, value), value, largest);

        /// <summary>The lanes where <see cref="Larger(Vector256{float}, Vector256{float})"/> takes <paramref name="value"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> LargerMask(Vector256<float> largest, Vector256<float> value) =>
            (Vector256.GreaterThan(value, largest) | ~Vector256.Equals(value, value)) & Vector256.Equals(largest, largest);

        /// <inheritdoc cref="LargerMask(Vector256{float}, Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> LargerMask(Vector128<float> largest, Vector128<float> value) =>
            (Vector128.GreaterThan(value, largest) | ~Vector128.Equals(value, value)) & Vector128.Equals(largest, largest);

        /// <summary>Max pooling backward: <c>dx = 0</c>, then each output's gradient is added at its window's arg-max, the
        /// first one in row-major order on a tie.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxPoolBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> da, in ConvolutionShape shape, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(x.Length, shape.InputSize, nameof(x));
            Check(da.Length, shape.OutputSize, nameof(da));
            Check(dx.Length, shape.InputSize, nameof(dx));
            dx.Clear();
            ConvolutionShape s = shape;
            int planeIn = s.InHeight * s.InWidth;
            if (Inside(s))
            {
                MaxPoolBackwardInside(x, da, s, dx);
                return;
            }

            for (int c = 0; c < s.InChannels; c++)
            {
                ReadOnlySpan<T> xc = x.Slice(c * planeIn, planeIn);
                Span<T> dxc = dx.Slice(c * planeIn, planeIn);
                ReadOnlySpan<T> dac = da.Slice(c * s.Positions, s.Positions);
                for (int y = 0; y < s.OutHeight; y++)
                {
                    for (int ox = 0; ox < s.OutWidth; ox++)
                    {
                        dxc[ArgMax(xc, s, y, ox)] += dac[(y * s.OutWidth) + ox];
                    }
                }
            }
        }

        /// <summary>Average pooling: each output is the sum of its window's inputs over the divisor, which counts the
        /// padding up to the padded edge when <paramref name="countIncludePad"/> is set (PyTorch's <c>count_include_pad</c>)
        /// and only the inputs otherwise.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AvgPool<T>(ReadOnlySpan<T> x, in ConvolutionShape shape, bool countIncludePad, Span<T> a)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(x.Length, shape.InputSize, nameof(x));
            Check(a.Length, shape.OutputSize, nameof(a));
            int planeIn = shape.InHeight * shape.InWidth;
            for (int c = 0; c < shape.InChannels; c++)
            {
                ReadOnlySpan<T> xc = x.Slice(c * planeIn, planeIn);
                Span<T> ac = a.Slice(c * shape.Positions, shape.Positions);
                for (int y = 0; y < shape.OutHeight; y++)
                {
                    for (int ox = 0; ox < shape.OutWidth; ox++)
                    {
                        (int y0, int y1, int x0, int x1, int divisor) = Window(shape, y, ox, countIncludePad);
                        T sum = T.Zero;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                sum += xc[(iy * shape.InWidth) + ix];
                            }
                        }

                        ac[(y * shape.OutWidth) + ox] = sum / T.CreateTruncating(divisor);
                    }
                }
            }
        }

        /// <summary>Average pooling backward: <c>dx = 0</c>, then each output's gradient over its divisor is added to every
        /// input of its window.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AvgPoolBackward<T>(ReadOnlySpan<T> da, in ConvolutionShape shape, bool countIncludePad, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(da.Length, shape.OutputSize, nameof(da));
            Check(dx.Length, shape.InputSize, nameof(dx));
            dx.Clear();
            int planeIn = shape.InHeight * shape.InWidth;
            for (int c = 0; c < shape.InChannels; c++)
            {
                Span<T> dxc = dx.Slice(c * planeIn, planeIn);
                ReadOnlySpan<T> dac = da.Slice(c * shape.Positions, shape.Positions);
                for (int y = 0; y < shape.OutHeight; y++)
                {
                    for (int ox = 0; ox < shape.OutWidth; ox++)
                    {
                        (int y0, int y1, int x0, int x1, int divisor) = Window(shape, y, ox, countIncludePad);
                        T share = dac[(y * shape.OutWidth) + ox] / T.CreateTruncating(divisor);
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                dxc[(iy * shape.InWidth) + ix] += share;
                            }
                        }
                    }
                }
            }
        }

        /// <summary><see cref="MaxPool{T}"/> for each of <paramref name="rows"/> samples.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxPoolBatch<T>(ReadOnlySpan<T> x, in ConvolutionShape shape, Span<T> a, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = shape.InputSize, m = shape.OutputSize;
            for (int r = 0; r < rows; r++)
            {
                MaxPool(x.Slice(r * n, n), shape, a.Slice(r * m, m));
            }
        }

        /// <summary><see cref="MaxPoolBackward{T}"/> for each of <paramref name="rows"/> samples.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxPoolBatchBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> da, in ConvolutionShape shape, Span<T> dx, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = shape.InputSize, m = shape.OutputSize;
            for (int r = 0; r < rows; r++)
            {
                MaxPoolBackward(x.Slice(r * n, n), da.Slice(r * m, m), shape, dx.Slice(r * n, n));
            }
        }

        /// <summary><see cref="AvgPool{T}"/> for each of <paramref name="rows"/> samples.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AvgPoolBatch<T>(ReadOnlySpan<T> x, in ConvolutionShape shape, bool countIncludePad, Span<T> a, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = shape.InputSize, m = shape.OutputSize;
            for (int r = 0; r < rows; r++)
            {
                AvgPool(x.Slice(r * n, n), shape, countIncludePad, a.Slice(r * m, m));
            }
        }

        /// <summary><see cref="AvgPoolBackward{T}"/> for each of <paramref name="rows"/> samples.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AvgPoolBatchBackward<T>(ReadOnlySpan<T> da, in ConvolutionShape shape, bool countIncludePad, Span<T> dx, int rows)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = shape.InputSize, m = shape.OutputSize;
            for (int r = 0; r < rows; r++)
            {
                AvgPoolBackward(da.Slice(r * m, m), shape, countIncludePad, dx.Slice(r * n, n));
            }
        }

        /// <summary>im2col for group <paramref name="g"/>: row <c>k = (c * KH + i) * KW + j</c> of <paramref name="columns"/>
        /// holds, at output position <c>y * W' + x</c>, the input <c>x[c, y*sh + i*dh - pt, x*sw + j*dw - pl]</c>, or 0 in
        /// the padding.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // compiled optimised at once, as every helper of the passes (cold start)
        private static void Gather<T>(ReadOnlySpan<T> x, ConvolutionShape s, int g, Span<T> columns)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int perGroup = s.InChannels / s.Groups, planeIn = s.InHeight * s.InWidth, positions = s.Positions;
            int k = 0;
            for (int ci = 0; ci < perGroup; ci++)
            {
                ReadOnlySpan<T> xc = x.Slice(((g * perGroup) + ci) * planeIn, planeIn);
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    (int y0, int y1) = Valid(s.OutHeight, s.StrideHeight, (i * s.DilationHeight) - s.PadTop, s.InHeight);
                    for (int j = 0; j < s.KernelWidth; j++, k++)
                    {
                        Span<T> row = columns.Slice(k * positions, positions);
                        int shift = (j * s.DilationWidth) - s.PadLeft;
                        (int x0, int x1) = Valid(s.OutWidth, s.StrideWidth, shift, s.InWidth);
                        if (y0 >= y1 || x0 >= x1)
                        {
                            row.Clear();
                            continue;
                        }

                        row.Slice(0, y0 * s.OutWidth).Clear();
                        row.Slice(y1 * s.OutWidth).Clear();

                        // Each output row takes a run of one input row: refs, not slices, since the rows are short (10
                        // values in LeNet's second layer) and a slice's checks would cost as much as the copy.
                        ref T source = ref MemoryMarshal.GetReference(xc);
                        ref T target = ref MemoryMarshal.GetReference(row);
                        int width = s.OutWidth, run = x1 - x0, stride = s.StrideWidth;
                        for (int y = y0; y < y1; y++)
                        {
                            int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop;
                            ref T out_ = ref Unsafe.Add(ref target, y * width);
                            ref T input = ref Unsafe.Add(ref source, iy * s.InWidth);
                            for (int ox = 0; ox < x0; ox++)
                            {
                                Unsafe.Add(ref out_, ox) = T.Zero;
                            }

                            for (int ox = x1; ox < width; ox++)
                            {
                                Unsafe.Add(ref out_, ox) = T.Zero;
                            }

                            if (stride == 1)
                            {
                                Copy(ref Unsafe.Add(ref out_, x0), ref Unsafe.Add(ref input, x0 + shift), run);
                            }
                            else
                            {
                                for (int ox = x0; ox < x1; ox++)
                                {
                                    Unsafe.Add(ref out_, ox) = Unsafe.Add(ref input, (ox * stride) + shift);
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary><paramref name="count"/> values from <paramref name="source"/> to <paramref name="target"/>: vectors, then
        /// scalars.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Copy<T>(ref T target, ref T source, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + Vector256<T>.Count <= count; i += Vector256<T>.Count)
                {
                    Vector256.LoadUnsafe(ref source, (nuint)i).StoreUnsafe(ref target, (nuint)i);
                }
            }

            for (; i < count; i++)
            {
                Unsafe.Add(ref target, i) = Unsafe.Add(ref source, i);
            }
        }

        /// <summary>col2im for group <paramref name="g"/>, the transpose of <see cref="Gather{T}"/>: each entry of
        /// <paramref name="dcolumns"/> is added to the input position it was gathered from (padding entries are dropped).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // compiled optimised at once, as every helper of the passes (cold start)
        private static void Scatter<T>(ReadOnlySpan<T> dcolumns, ConvolutionShape s, int g, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int perGroup = s.InChannels / s.Groups, planeIn = s.InHeight * s.InWidth, positions = s.Positions;
            int k = 0;
            for (int ci = 0; ci < perGroup; ci++)
            {
                Span<T> dxc = dx.Slice(((g * perGroup) + ci) * planeIn, planeIn);
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    (int y0, int y1) = Valid(s.OutHeight, s.StrideHeight, (i * s.DilationHeight) - s.PadTop, s.InHeight);
                    for (int j = 0; j < s.KernelWidth; j++, k++)
                    {
                        ReadOnlySpan<T> row = dcolumns.Slice(k * positions, positions);
                        int shift = (j * s.DilationWidth) - s.PadLeft;
                        (int x0, int x1) = Valid(s.OutWidth, s.StrideWidth, shift, s.InWidth);
                        for (int y = y0; y < y1 && x0 < x1; y++)
                        {
                            int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop;
                            ReadOnlySpan<T> from = row.Slice(y * s.OutWidth, s.OutWidth);
                            Span<T> into = dxc.Slice(iy * s.InWidth, s.InWidth);
                            if (s.StrideWidth == 1)
                            {
                                AddInto(into.Slice(x0 + shift, x1 - x0), from.Slice(x0, x1 - x0));
                            }
                            else
                            {
                                for (int ox = x0; ox < x1; ox++)
                                {
                                    into[(ox * s.StrideWidth) + shift] += from[ox];
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary><c>target += value</c>: a bias over one output channel.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddScalar<T>(Span<T> target, T value)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T t = ref MemoryMarshal.GetReference(target);
            int i = 0, n = target.Length;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<T> v = Vector256.Create(value);
                for (; i + Vector256<T>.Count <= n; i += Vector256<T>.Count)
                {
                    (Vector256.LoadUnsafe(ref t, (nuint)i) + v).StoreUnsafe(ref t, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                Unsafe.Add(ref t, i) += value;
            }
        }

        /// <summary><c>target += source</c> for the short rows of col2im and the long ones of the in-place backward pass,
        /// inline: a library call per row of ten values would cost more than the additions (as <see cref="Copy{T}"/> for
        /// im2col).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddInto<T>(Span<T> target, ReadOnlySpan<T> source)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T t = ref MemoryMarshal.GetReference(target);
            ref T f = ref MemoryMarshal.GetReference(source);
            int i = 0, n = Math.Min(target.Length, source.Length);
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + Vector256<T>.Count <= n; i += Vector256<T>.Count)
                {
                    (Vector256.LoadUnsafe(ref t, (nuint)i) + Vector256.LoadUnsafe(ref f, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                Unsafe.Add(ref t, i) += Unsafe.Add(ref f, i);
            }
        }

        /// <summary>The output positions <c>[first, end)</c> whose input <c>o * stride + shift</c> lies in <c>[0, size)</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (int First, int End) Valid(int outputs, int stride, int shift, int size)
        {
            int first = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
            int last = size - 1 - shift;
            int end = last < 0 ? 0 : Math.Min(outputs, (last / stride) + 1);
            return (Math.Min(first, end), end);
        }

        /// <summary>The index in channel plane <paramref name="xc"/> of the largest input in output (y, x)'s window: the first
        /// in row-major order on a tie, or the first NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int ArgMax<T>(ReadOnlySpan<T> xc, in ConvolutionShape s, int y, int x)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int top = (y * s.StrideHeight) - s.PadTop, left = (x * s.StrideWidth) - s.PadLeft;
            if (top >= 0 && left >= 0 && top + ((s.KernelHeight - 1) * s.DilationHeight) < s.InHeight && left + ((s.KernelWidth - 1) * s.DilationWidth) < s.InWidth)
            {
                // The window lies inside the input (every window of an unpadded pool): no bounds to test per tap.
                ref T origin = ref MemoryMarshal.GetReference(xc);
                int first = (top * s.InWidth) + left, winner = first;
                T largest = Unsafe.Add(ref origin, first);
                if (T.IsNaN(largest))
                {
                    return winner;
                }

                for (int i = 0; i < s.KernelHeight; i++)
                {
                    int row = first + (i * s.DilationHeight * s.InWidth);
                    for (int j = 0; j < s.KernelWidth; j++)
                    {
                        int index = row + (j * s.DilationWidth);
                        T value = Unsafe.Add(ref origin, index);
                        if (value > largest || T.IsNaN(value))
                        {
                            (winner, largest) = (index, value);
                            if (T.IsNaN(value))
                            {
                                return winner;
                            }
                        }
                    }
                }

                return winner;
            }

            int best = -1;
            T max = T.NegativeInfinity;
            for (int i = 0; i < s.KernelHeight; i++)
            {
                int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop;
                if ((uint)iy >= (uint)s.InHeight)
                {
                    continue;
                }

                for (int j = 0; j < s.KernelWidth; j++)
                {
                    int ix = (x * s.StrideWidth) + (j * s.DilationWidth) - s.PadLeft;
                    if ((uint)ix >= (uint)s.InWidth)
                    {
                        continue;
                    }

                    int index = (iy * s.InWidth) + ix;
                    T value = xc[index];
                    if (best < 0 || value > max || T.IsNaN(value))
                    {
                        best = index;
                        max = value;
                        if (T.IsNaN(value))
                        {
                            return best;
                        }
                    }
                }
            }

            return best;
        }

        /// <summary>The window of output (y, x) clipped to the input, and its divisor: PyTorch's <c>avg_pool2d</c>, which
        /// counts the window up to the padded edge (not past it, in ceil mode) with padding included, and the inputs only
        /// without.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static (int Y0, int Y1, int X0, int X1, int Divisor) Window(in ConvolutionShape s, int y, int x, bool countIncludePad)
        {
            int y0 = (y * s.StrideHeight) - s.PadTop, x0 = (x * s.StrideWidth) - s.PadLeft;
            int y1 = Math.Min(y0 + s.KernelHeight, s.InHeight + s.PadBottom), x1 = Math.Min(x0 + s.KernelWidth, s.InWidth + s.PadRight);
            int padded = (y1 - y0) * (x1 - x0);
            y0 = Math.Max(y0, 0);
            x0 = Math.Max(x0, 0);
            y1 = Math.Min(y1, s.InHeight);
            x1 = Math.Min(x1, s.InWidth);
            return (y0, y1, x0, x1, countIncludePad ? padded : (y1 - y0) * (x1 - x0));
        }

        /// <summary>The lengths of a backward pass's spans over <paramref name="rows"/> samples (empty <paramref name="db"/>
        /// and <paramref name="dx"/> allowed).</summary>
        private static void CheckBackward<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> da, in ConvolutionShape shape, Span<T> dw, Span<T> db, Span<T> dx, int rows)
        {
            Check(w.Length, shape.WeightCount, nameof(w));
            Check(dw.Length, shape.WeightCount, nameof(dw));
            Check(x.Length, shape.InputSize * rows, nameof(x));
            Check(da.Length, shape.OutputSize * rows, nameof(da));
            if (!db.IsEmpty)
            {
                Check(db.Length, shape.OutChannels, nameof(db));
            }

            if (!dx.IsEmpty)
            {
                Check(dx.Length, shape.InputSize * rows, nameof(dx));
            }
        }

        private static void Check(int actual, int expected, string name)
        {
            if (actual != expected)
            {
                throw new ArgumentException($"'{name}' has length {actual}, but this layer's shape needs {expected}.", name);
            }
        }

        /// <summary>The per-thread im2col matrices: the gathered input and, for the backward pass, its gradient.</summary>
        private static class Workspace<T> where T : unmanaged
        {
            [ThreadStatic]
            private static T[]? t_buffer;

            /// <summary>The first <paramref name="length"/> values of the workspace, which holds <paramref name="second"/>
            /// more after them for <see cref="Second"/>.</summary>
            public static Span<T> Get(int length, int second)
            {
                T[]? buffer = t_buffer;
                int total = checked(length + second); // the generator bounds both (NG0019); a hand-made shape cannot wrap
                if (buffer is null || buffer.Length < total)
                {
                    t_buffer = buffer = new T[total];
                }

                return buffer.AsSpan(0, length);
            }

            /// <summary>The <paramref name="length"/> values after the first (call <see cref="Get"/> first).</summary>
            public static Span<T> Second(int length) => t_buffer.AsSpan(t_buffer!.Length - length, length);
        }
    }
}
